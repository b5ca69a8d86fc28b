import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import wavefile from 'wavefile';
import { reply, startModelServer, type ModelServer } from '../support/model-server.js';
import { startTwilioServer, type PlacedCall, type TwilioServer } from '../support/twilio-server.js';
import { call, createTestAccount, graphql, startServer, type TestServer } from '../support/server.js';

const { WaveFile } = wavefile;

type Response = Awaited<ReturnType<typeof call>>;

function expectError(response: Response, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(response.body.error.code).toBe(code);
  expect(response.body.error.status).toBe(status);
}

async function expectWav(url: string): Promise<void> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('audio/wav');
  const wav = new WaveFile(new Uint8Array(await response.arrayBuffer()));
  expect((wav.data as { chunkSize: number }).chunkSize).toBeGreaterThan(10_000);
}

describe('voice calls', () => {
  let model: ModelServer;
  let twilio: TwilioServer;
  let server: TestServer;
  let key: string;
  let otherKey: string;
  let agentId: number;

  beforeAll(async () => {
    model = await startModelServer();
    twilio = await startTwilioServer();
    server = await startServer({
      OPENAI_BASE_URL: model.baseUrl,
      LLM_DEFAULT_MODEL: 'voice-model',
      LLM_MAX_RETRIES: '0',
      TWILIO_ACCOUNT_SID: twilio.accountSid,
      TWILIO_AUTH_TOKEN: twilio.authToken,
      TWILIO_FROM_NUMBER: twilio.fromNumber,
      TWILIO_API_BASE_URL: twilio.baseUrl,
    });
    key = (await createTestAccount(server)).key;
    otherKey = (await createTestAccount(server)).key;
    const agent = await call(server, 'POST', '/api/v1/agents', {
      token: key,
      json: { agent_name: 'Dispatcher', agent_role: 'specialist', task: 'Tell customers where their orders are' },
    });
    agentId = agent.body.data.id;
  });
  afterAll(async () => {
    await server?.stop();
    await model?.close();
    await twilio?.close();
  });

  async function status(id: number): Promise<string> {
    return (await call(server, 'GET', `/api/v1/voice/calls/${id}`, { token: key })).body.data.status;
  }

  async function voiceMinutes(token = key): Promise<number> {
    return (await call(server, 'GET', '/api/v1/usage', { token })).body.data.voice_minutes.used;
  }

  it('places a call through Twilio and follows it to the end', async () => {
    const started = await call(server, 'POST', '/api/v1/voice/calls', { token: key, json: { to: '+14155550123', agent_id: agentId } });
    expect(started.status).toBe(201);
    const created = started.body.data;
    expect(created).toMatchObject({
      to: '+14155550123',
      room_name: 'Call to +14155550123',
      status: 'queued',
      duration_seconds: 0,
      participants: 2,
      voice_engine: null,
      agent_id: agentId,
      provider: 'twilio',
      transcript: '',
      ended_at: null,
    });

    expect(twilio.calls).toHaveLength(1);
    const placed: PlacedCall = twilio.calls[0]!;
    expect(placed.params.get('To')).toBe('+14155550123');
    expect(placed.params.get('From')).toBe(twilio.fromNumber);
    expect(placed.params.get('Url')).toBe(`${server.url}/api/v1/voice/twilio/calls/${created.id}/twiml`);
    expect(placed.params.get('StatusCallback')).toBe(`${server.url}/api/v1/voice/twilio/calls/${created.id}/status`);
    expect(placed.params.getAll('StatusCallbackEvent')).toEqual(['initiated', 'ringing', 'answered', 'completed']);

    expect(await twilio.sendStatus(placed, 'initiated')).toBe(200);
    expect(await status(created.id)).toBe('queued');
    expect(await twilio.sendStatus(placed, 'ringing')).toBe(200);
    expect(await status(created.id)).toBe('ringing');

    const greeting = await twilio.requestTwiml(placed, placed.params.get('Url')!);
    expect(greeting.status).toBe(200);
    expect(greeting.contentType).toContain('text/xml');
    expect(greeting.plays).toHaveLength(1);
    expect(greeting.gatherInput).toBe('speech');
    expect(greeting.gatherAction).toBe(`${server.url}/api/v1/voice/twilio/calls/${created.id}/gather`);
    await expectWav(greeting.plays[0]!);
    expect(await status(created.id)).toBe('in-progress');
    expect(await twilio.sendStatus(placed, 'in-progress')).toBe(200);

    model.script(reply('Your order left the warehouse this morning.'));
    const answer = await twilio.requestTwiml(placed, greeting.gatherAction!, { SpeechResult: 'Where is my order?', Confidence: '0.92' });
    expect(answer.plays).toHaveLength(1);
    await expectWav(answer.plays[0]!);
    expect(answer.gatherAction).toBe(greeting.gatherAction);
    const prompt = model.requests.at(-1)!.body.messages;
    expect(prompt[0].content).toContain('You are Dispatcher');
    expect(prompt.slice(1)).toEqual([
      { role: 'assistant', content: 'Hello, this is Dispatcher. How can I help you today?' },
      { role: 'user', content: 'Callee: Where is my order?' },
    ]);

    // A late or repeated callback never moves a call back.
    expect(await twilio.sendStatus(placed, 'ringing')).toBe(200);
    expect(await status(created.id)).toBe('in-progress');

    const minutesBefore = await voiceMinutes();
    expect(await twilio.sendStatus(placed, 'completed', { CallDuration: '95' })).toBe(200);
    expect(await twilio.sendStatus(placed, 'completed', { CallDuration: '95' })).toBe(200);
    const finished = (await call(server, 'GET', `/api/v1/voice/calls/${created.id}`, { token: key })).body.data;
    expect(finished.status).toBe('completed');
    expect(finished.duration_seconds).toBe(95);
    expect(finished.ended_at).not.toBeNull();
    expect(finished.transcript).toBe(
      [
        'Agent: Hello, this is Dispatcher. How can I help you today?',
        'Callee: Where is my order?',
        'Agent: Your order left the warehouse this morning.',
      ].join('\n'),
    );
    expect(await voiceMinutes()).toBe(minutesBefore + 2);

    const started_ = await server.prisma.event.findMany({ where: { type: 'voice.call.started' } });
    expect(started_.map((event) => event.data)).toContainEqual({ call_id: created.id, agent_id: agentId, to: '+14155550123', voice_engine: null });
    const ended = await server.prisma.event.findMany({ where: { type: 'voice.call.ended' } });
    expect(ended.filter((event) => (event.data as { call_id: number }).call_id === created.id).map((event) => event.data)).toEqual([
      { call_id: created.id, agent_id: agentId, status: 'completed', duration_seconds: 95 },
    ]);

    const after = await twilio.requestTwiml(placed, greeting.gatherAction!, { SpeechResult: 'Hello?' });
    expect(after.hangsUp).toBe(true);
  });

  it('ends a busy call without minutes', async () => {
    const minutesBefore = await voiceMinutes();
    const started = await call(server, 'POST', '/api/v1/voice/calls', { token: key, json: { to: '+442071838750' } });
    const placed = twilio.calls.at(-1)!;
    expect(await twilio.sendStatus(placed, 'ringing')).toBe(200);
    expect(await twilio.sendStatus(placed, 'busy', { CallDuration: '0' })).toBe(200);
    const read = (await call(server, 'GET', `/api/v1/voice/calls/${started.body.data.id}`, { token: key })).body.data;
    expect(read.status).toBe('busy');
    expect(read.duration_seconds).toBe(0);
    expect(await voiceMinutes()).toBe(minutesBefore);
    const ended = await server.prisma.event.findMany({ where: { type: 'voice.call.ended' } });
    expect(ended.map((event) => event.data)).toContainEqual({ call_id: started.body.data.id, agent_id: null, status: 'busy', duration_seconds: 0 });
  });

  it('rejects unsigned and mismatched callbacks', async () => {
    const started = await call(server, 'POST', '/api/v1/voice/calls', { token: key, json: { to: '+14155550199' } });
    const placed = twilio.calls.at(-1)!;
    const statusUrl = placed.params.get('StatusCallback')!;
    const forged = await fetch(statusUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'bm90IGEgc2lnbmF0dXJl' },
      body: new URLSearchParams({ AccountSid: twilio.accountSid, CallSid: placed.sid, CallStatus: 'completed', CallDuration: '600' }).toString(),
    });
    expect(forged.status).toBe(401);
    expect((await forged.json()).error.code).toBe('auth_required');
    expect(await status(started.body.data.id)).toBe('queued');
    const wrongSid = await twilio.sendStatus({ ...placed, sid: 'CA00000000000000000000000000000000' }, 'completed');
    expect(wrongSid).toBe(404);
    expect(await status(started.body.data.id)).toBe('queued');
  });

  it('validates destinations, engines and agents', async () => {
    const invalid = ['+123', '14155550123', '+01234567890', '+1415555012345678', 'sip:example.com', 'sip:@example.com', 'sips:alice@', 'tel:+14155550123', 'sip:alice@example.com:70000', ''];
    for (const to of invalid) {
      const response = await call(server, 'POST', '/api/v1/voice/calls', { token: key, json: { to } });
      expectError(response, 400, 'validation_error');
      expect(response.body.error.details[0].field).toBe('to');
    }
    expectError(await call(server, 'POST', '/api/v1/voice/calls', { token: key, json: {} }), 400, 'validation_error');
    const engine = await call(server, 'POST', '/api/v1/voice/calls', { token: key, json: { to: '+14155550123', voice_engine: 'festival' } });
    expectError(engine, 400, 'validation_error');
    expect(engine.body.error.details[0].field).toBe('voice_engine');
    const unconfigured = await call(server, 'POST', '/api/v1/voice/calls', { token: key, json: { to: '+14155550123', voice_engine: 'elevenlabs' } });
    expectError(unconfigured, 503, 'service_unavailable');
    expect(unconfigured.body.error.message).toContain('ELEVENLABS_API_KEY');
    const foreign = await call(server, 'POST', '/api/v1/voice/calls', { token: otherKey, json: { to: '+14155550123', agent_id: agentId } });
    expectError(foreign, 404, 'resource_not_found');

    for (const to of ['sip:alice@example.com', 'sips:bob@10.0.0.5:5061', 'sip:carol@[2001:db8::1];transport=tcp']) {
      const sip = await call(server, 'POST', '/api/v1/voice/calls', { token: key, json: { to } });
      expectError(sip, 503, 'service_unavailable');
    }
  });

  it('reports a call Twilio rejects as failed', async () => {
    twilio.failNext(400, "The 'To' number +14155550100 is not a valid phone number.");
    const response = await call(server, 'POST', '/api/v1/voice/calls', { token: key, json: { to: '+14155550100' } });
    expectError(response, 502, 'upstream_error');
    expect(response.body.error.message).toContain('Twilio answered HTTP 400');
    const history = await call(server, 'GET', '/api/v1/voice/calls?per_page=1', { token: key });
    expect(history.body.data[0]).toMatchObject({ to: '+14155550100', status: 'failed' });
  });

  it('keeps each account to its own calls', async () => {
    const mine = await call(server, 'GET', '/api/v1/voice/calls?per_page=2', { token: key });
    expect(mine.status).toBe(200);
    expect(mine.body.meta.per_page).toBe(2);
    expect(mine.body.meta.total).toBeGreaterThanOrEqual(4);
    const ids = mine.body.data.map((entry: { id: number }) => entry.id);
    expect(ids).toEqual([...ids].sort((a: number, b: number) => b - a));
    expectError(await call(server, 'GET', `/api/v1/voice/calls/${ids[0]}`, { token: otherKey }), 404, 'resource_not_found');
    expect((await call(server, 'GET', '/api/v1/voice/calls', { token: otherKey })).body.data).toEqual([]);
    expectError(await call(server, 'GET', '/api/v1/voice/calls/abc', { token: key }), 404, 'resource_not_found');
  });

  it('starts and reads calls in GraphQL', async () => {
    const owner = await createTestAccount(server);
    const result = await graphql(server, `query { voiceCalls(first: 5) { totalCount edges { node { id } } } }`, { token: owner.key });
    expect(result.body.data.voiceCalls.totalCount).toBe(0);
    const unreachable = await graphql(server, `mutation { startVoiceCall(input: { to: "+14155550123" }) { call { id status } } }`, {
      token: owner.key,
    });
    expect(unreachable.body.errors[0].extensions.code).toBe('service_unavailable');
    expect(unreachable.body.errors[0].message).toContain('PUBLIC_BASE_URL');
  });

  it('needs Twilio settings for phone numbers', async () => {
    const bare = await startServer();
    try {
      const owner = await createTestAccount(bare);
      const response = await call(bare, 'POST', '/api/v1/voice/calls', { token: owner.key, json: { to: '+14155550123' } });
      expectError(response, 503, 'service_unavailable');
      expect(response.body.error.message).toContain('TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER');
    } finally {
      await bare.stop();
    }
  });
});
