import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import wavefile from 'wavefile';
import { reply, startModelServer, type ModelServer } from '../support/model-server.js';
import { joinRoom, type RoomClient } from '../support/room-client.js';
import { espeak, startSpeechServer, type SpeechServer } from '../support/speech-server.js';
import { call, createTestAccount, graphql, startServer, type TestServer } from '../support/server.js';

const { WaveFile } = wavefile;

type Response = Awaited<ReturnType<typeof call>>;

function expectError(response: Response, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(response.body.error.code).toBe(code);
  expect(response.body.error.status).toBe(status);
}

describe('voice rooms', () => {
  let model: ModelServer;
  let speech: SpeechServer;
  let server: TestServer;
  let key: string;
  let otherKey: string;
  let agentId: number;
  const clients: RoomClient[] = [];

  beforeAll(async () => {
    model = await startModelServer();
    speech = await startSpeechServer();
    server = await startServer({
      OPENAI_BASE_URL: model.baseUrl,
      LLM_DEFAULT_MODEL: 'voice-model',
      LLM_MAX_RETRIES: '0',
      KOKORO_BASE_URL: `${speech.baseUrl}/v1`,
      KOKORO_API_KEY: speech.apiKey,
      STT_BASE_URL: `${speech.baseUrl}/v1`,
      STT_API_KEY: speech.apiKey,
    });
    key = (await createTestAccount(server)).key;
    otherKey = (await createTestAccount(server)).key;
    const agent = await call(server, 'POST', '/api/v1/agents', {
      token: key,
      json: { agent_name: 'Concierge', agent_role: 'generalist', task: 'Help guests' },
    });
    agentId = agent.body.data.id;
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await server?.stop();
    await model?.close();
    await speech?.close();
  });

  async function join(path: string, token: string, name: string): Promise<RoomClient> {
    const client = await joinRoom(server.url, path, { token, name });
    clients.push(client);

    return client;
  }

  it('runs a conversation with two participants and an agent', async () => {
    const created = await call(server, 'POST', '/api/v1/voice/rooms', {
      token: key,
      json: { name: 'Front desk', max_participants: 2, agent_id: agentId },
    });
    expect(created.status).toBe(201);
    const room = created.body.data;
    expect(room).toMatchObject({
      name: 'Front desk',
      status: 'active',
      max_participants: 2,
      participants: 0,
      voice_engine: null,
      agent_id: agentId,
      transcript: '',
      closed_at: null,
      join_url: `/api/v1/voice/rooms/${room.id}/socket`,
    });
    expect(room.join_token).toMatch(/^vrt_/);

    const ada = await join(room.join_url, room.join_token, 'Ada');
    const joined = await ada.waitFor((message) => message.type === 'joined');
    expect(joined).toMatchObject({ room: { id: room.id, name: 'Front desk' }, participants: ['Ada'], agent: 'Concierge' });
    const ben = await join(room.join_url, room.join_token, 'Ben');
    await ben.waitFor((message) => message.type === 'joined');
    await ada.waitFor((message) => message.type === 'participant_joined' && message.name === 'Ben');

    const cy = await join(room.join_url, room.join_token, 'Cy');
    const refusal = await cy.waitFor((message) => message.type === 'error');
    expect(refusal.code).toBe('room_full');
    expect((await cy.closed).code).toBe(4409);

    model.script(reply('Welcome Ada, how can I help?'));
    const adaStart = ada.messages.length;
    const benStart = ben.messages.length;
    ada.send({ type: 'text', text: 'Hello, is anyone there?' });
    const heard = await ben.waitFor((message) => message.type === 'transcript' && message.speaker === 'Ada', benStart);
    expect(heard.text).toBe('Hello, is anyone there?');
    const answer = await ben.waitFor((message) => message.type === 'transcript' && message.speaker === 'Concierge', benStart);
    expect(answer.text).toBe('Welcome Ada, how can I help?');
    for (const [client, start] of [[ada, adaStart], [ben, benStart]] as const) {
      const audio = await client.waitFor((message) => message.type === 'audio', start);
      expect(audio.speaker).toBe('Concierge');
      expect(audio.engine).toBe('espeak');
      expect(audio.content_type).toBe('audio/wav');
      const wav = new WaveFile(Buffer.from(audio.audio, 'base64'));
      expect((wav.data as { chunkSize: number }).chunkSize).toBeGreaterThan(10_000);
    }
    const prompt = model.requests.at(-1)!.body;
    expect(prompt.messages[0].role).toBe('system');
    expect(prompt.messages[0].content).toContain('You are Concierge');
    expect(prompt.messages.at(-1)).toEqual({ role: 'user', content: 'Ada: Hello, is anyone there?' });

    speech.transcripts.push('Can I check in early?');
    model.script(reply('Yes Ben, early check-in is possible.'));
    const spoken = await espeak('Can I check in early?');
    const benSecond = ben.messages.length;
    ben.send({ type: 'audio', audio: spoken.toString('base64'), content_type: 'audio/wav' });
    const transcribed = await ada.waitFor((message) => message.type === 'transcript' && message.speaker === 'Ben');
    expect(transcribed.text).toBe('Can I check in early?');
    await ben.waitFor((message) => message.type === 'audio', benSecond);
    const followUp = model.requests.at(-1)!.body.messages;
    expect(followUp.slice(1)).toEqual([
      { role: 'user', content: 'Ada: Hello, is anyone there?' },
      { role: 'assistant', content: 'Welcome Ada, how can I help?' },
      { role: 'user', content: 'Ben: Can I check in early?' },
    ]);

    const read = await call(server, 'GET', `/api/v1/voice/rooms/${room.id}`, { token: key });
    expect(read.status).toBe(200);
    expect(read.body.data.participants).toBe(2);
    expect(read.body.data.transcript).toBe(
      [
        'Ada: Hello, is anyone there?',
        'Concierge: Welcome Ada, how can I help?',
        'Ben: Can I check in early?',
        'Concierge: Yes Ben, early check-in is possible.',
      ].join('\n'),
    );
    expect(read.body.data).not.toHaveProperty('join_token');

    const events = await server.prisma.event.findMany({ where: { type: 'voice.room.created' } });
    expect(events.map((event) => event.data)).toContainEqual({
      room_id: room.id,
      room_name: 'Front desk',
      max_participants: 2,
      voice_engine: null,
      agent_id: agentId,
    });

    const closed = await call(server, 'POST', `/api/v1/voice/rooms/${room.id}/close`, { token: key });
    expect(closed.status).toBe(200);
    expect(closed.body.data.status).toBe('closed');
    expect(closed.body.data.participants).toBe(0);
    await ada.waitFor((message) => message.type === 'room_closed');
    expect((await ada.closed).code).toBe(4000);
    expect((await ben.closed).code).toBe(4000);
    const active = await call(server, 'GET', '/api/v1/voice/rooms', { token: key });
    expect(active.body.data.map((entry: { id: number }) => entry.id)).not.toContain(room.id);
    const late = await join(room.join_url, room.join_token, 'Dee');
    expect((await late.closed).code).toBe(4404);
  });

  it('reports a missing model provider to participants', async () => {
    const bare = await startServer();
    try {
      const owner = await createTestAccount(bare);
      const agent = await call(bare, 'POST', '/api/v1/agents', {
        token: owner.key,
        json: { agent_name: 'Quiet', agent_role: 'generalist' },
      });
      const room = (await call(bare, 'POST', '/api/v1/voice/rooms', { token: owner.key, json: { name: 'Lobby', agent_id: agent.body.data.id } })).body.data;
      const client = await joinRoom(bare.url, room.join_url, { token: room.join_token, name: 'Eve' });
      await client.waitFor((message) => message.type === 'joined');
      client.send({ type: 'text', text: 'Hi' });
      const error = await client.waitFor((message) => message.type === 'error');
      expect(error.code).toBe('service_unavailable');
      expect(error.message).toContain('OPENAI_BASE_URL');
      await client.close();
    } finally {
      await bare.stop();
    }
  });

  it('rejects a wrong join token and bad messages', async () => {
    const room = (await call(server, 'POST', '/api/v1/voice/rooms', { token: key, json: { name: 'Guarded' } })).body.data;
    const intruder = await join(room.join_url, 'vrt_wrong', 'Mallory');
    expect((await intruder.closed).code).toBe(4401);
    const member = await join(room.join_url, room.join_token, 'Ned');
    await member.waitFor((message) => message.type === 'joined');
    member.send({ type: 'shout', text: 'hey' });
    const error = await member.waitFor((message) => message.type === 'error');
    expect(error.code).toBe('validation_error');
    await member.close();
  });

  it('lists active rooms with pages', async () => {
    const owner = await createTestAccount(server);
    for (const name of ['One', 'Two', 'Three']) {
      await call(server, 'POST', '/api/v1/voice/rooms', { token: owner.key, json: { name, voice_engine: 'kokoro' } });
    }
    const page = await call(server, 'GET', '/api/v1/voice/rooms?per_page=2&page=2', { token: owner.key });
    expect(page.status).toBe(200);
    expect(page.body.data.map((room: { name: string }) => room.name)).toEqual(['Three']);
    expect(page.body.data[0].voice_engine).toBe('kokoro');
    expect(page.body.meta).toEqual({ total: 3, page: 2, per_page: 2, total_pages: 2 });
  });

  it('rejects bad input and other accounts', async () => {
    const invalid = await call(server, 'POST', '/api/v1/voice/rooms', {
      token: key,
      json: { name: '', max_participants: 0, voice_engine: 'festival' },
    });
    expectError(invalid, 400, 'validation_error');
    expect(invalid.body.error.details.map((detail: { field: string }) => detail.field).sort()).toEqual([
      'max_participants',
      'name',
      'voice_engine',
    ]);
    const unconfigured = await call(server, 'POST', '/api/v1/voice/rooms', { token: key, json: { name: 'Loud', voice_engine: 'cartesia' } });
    expectError(unconfigured, 503, 'service_unavailable');
    expect(unconfigured.body.error.message).toContain('CARTESIA_API_KEY');

    const foreignAgent = await call(server, 'POST', '/api/v1/voice/rooms', { token: otherKey, json: { name: 'Mine', agent_id: agentId } });
    expectError(foreignAgent, 404, 'resource_not_found');
    const room = (await call(server, 'POST', '/api/v1/voice/rooms', { token: key, json: { name: 'Private' } })).body.data;
    expectError(await call(server, 'GET', `/api/v1/voice/rooms/${room.id}`, { token: otherKey }), 404, 'resource_not_found');
    expectError(await call(server, 'POST', `/api/v1/voice/rooms/${room.id}/close`, { token: otherKey }), 404, 'resource_not_found');
    const theirs = await call(server, 'GET', '/api/v1/voice/rooms', { token: otherKey });
    expect(theirs.body.data).toEqual([]);
    const readOnly = await createTestAccount(server, { key: { scopes: ['voice:read'] } });
    expectError(await call(server, 'POST', '/api/v1/voice/rooms', { token: readOnly.key, json: { name: 'x' } }), 403, 'insufficient_scope');
  });

  it('creates, reads and closes rooms in GraphQL', async () => {
    const agentGlobalId = Buffer.from(`Agent:${agentId}`).toString('base64');
    const created = await graphql(
      server,
      `mutation ($agent: ID) { createVoiceRoom(input: { name: "Graph room", maxParticipants: 4, agentId: $agent }) {
        joinToken joinUrl room { id databaseId name status maxParticipants participants voiceEngine transcript agent { name } }
      } }`,
      { token: key, variables: { agent: agentGlobalId } },
    );
    expect(created.body.errors).toBeUndefined();
    const payload = created.body.data.createVoiceRoom;
    expect(payload.joinToken).toMatch(/^vrt_/);
    expect(payload.room).toMatchObject({
      name: 'Graph room',
      status: 'active',
      maxParticipants: 4,
      participants: 0,
      voiceEngine: null,
      transcript: '',
      agent: { name: 'Concierge' },
    });
    const listed = await graphql(server, `{ voiceRooms(first: 100) { totalCount edges { node { id name } } } }`, { token: key });
    expect(listed.body.data.voiceRooms.edges.map((edge: { node: { id: string } }) => edge.node.id)).toContain(payload.room.id);

    const foreign = await graphql(server, `query ($id: ID!) { voiceRoom(id: $id) { name } }`, { token: otherKey, variables: { id: payload.room.id } });
    expect(foreign.body.errors[0].extensions.code).toBe('resource_not_found');
    const foreignNode = await graphql(server, `query ($id: ID!) { node(id: $id) { id } }`, { token: otherKey, variables: { id: payload.room.id } });
    expect(foreignNode.body.data.node).toBeNull();
    const foreignAgent = await graphql(
      server,
      `mutation ($agent: ID) { createVoiceRoom(input: { name: "Theirs", agentId: $agent }) { room { id } } }`,
      { token: otherKey, variables: { agent: agentGlobalId } },
    );
    expect(foreignAgent.body.errors[0].extensions.code).toBe('resource_not_found');

    const closed = await graphql(server, `mutation ($id: ID!) { closeVoiceRoom(input: { id: $id }) { room { status closedAt } } }`, {
      token: key,
      variables: { id: payload.room.id },
    });
    expect(closed.body.data.closeVoiceRoom.room.status).toBe('closed');
    expect(closed.body.data.closeVoiceRoom.room.closedAt).not.toBeNull();
  });
});

