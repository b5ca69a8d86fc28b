import { randomBytes } from 'node:crypto';
import { verify } from '@octokit/webhooks-methods';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAndParse } from '../../clients/typescript/src/webhooks.js';
import { eventTypes } from '../../src/events/catalogue.js';
import { httpError, reply, startModelServer, type ModelServer } from '../support/model-server.js';
import { eventsSubscription, subscribeOverWebSocket } from '../support/subscriptions.js';
import { call, createTestAccount, databaseKind, startServer, type TestServer } from '../support/server.js';
import { startTwilioServer, type TwilioServer } from '../support/twilio-server.js';
import { fastDeliveryEnv, startWebhookReceiver, waitUntil, type WebhookReceiver } from '../support/webhooks.js';

type EventResult = { events: { id: string; type: string; event: string; timestamp: string; livemode: boolean; data: any } };

/** Waits until the server logged that a subscription of `accountId` is listening. */
function subscriptionStarted(server: TestServer, accountId: number, count = 1): Promise<true> {
  return waitUntil(
    () =>
      server.logs.filter((line) => line.msg === 'events subscription started' && line.accountId === accountId).length >= count
        ? true
        : undefined,
    15_000,
    () => `subscription of account ${accountId} to start`,
  );
}

async function createAgent(server: TestServer, key: string, name: string): Promise<number> {
  const response = await call(server, 'POST', '/api/v1/agents', { token: key, json: { agent_name: name, agent_role: 'specialist' } });
  expect(response.status).toBe(201);

  return response.body.data.id as number;
}

describe('events', () => {
  let model: ModelServer;
  let twilio: TwilioServer;
  let server: TestServer;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    model = await startModelServer();
    twilio = await startTwilioServer();
    server = await startServer({
      ...fastDeliveryEnv,
      OPENAI_BASE_URL: model.baseUrl,
      LLM_DEFAULT_MODEL: 'events-model',
      LLM_MAX_RETRIES: '0',
      TWILIO_ACCOUNT_SID: twilio.accountSid,
      TWILIO_AUTH_TOKEN: twilio.authToken,
      TWILIO_FROM_NUMBER: twilio.fromNumber,
      TWILIO_API_BASE_URL: twilio.baseUrl,
    });
    receiver = await startWebhookReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await server?.stop();
    await model?.close();
    await twilio?.close();
  });

  it('catalogues the twelve events of the contract', () => {
    expect([...eventTypes].sort()).toEqual(
      [
        'agent.created',
        'agent.deployed',
        'agent.completed',
        'agent.error',
        'fleet.created',
        'fleet.deployed',
        'tool.executed',
        'voice.call.started',
        'voice.call.ended',
        'voice.room.created',
        'marketplace.installed',
        'usage.threshold',
      ].sort(),
    );
  });

  it('delivers each emitted event type signed', async () => {
    // A free account: its third agent reaches 80 and 100 percent of the plan's three.
    const { key } = await createTestAccount(server, { account: { plan: 'free' } });
    const endpoint = await call(server, 'POST', '/api/v1/webhooks', { token: key, json: { url: `${receiver.url}/hooks` } });
    expect(endpoint.status).toBe(201);
    const secret = endpoint.body.data.secret as string;
    const before = receiver.received.length;

    const agentId = await createAgent(server, key, 'Support Bot');
    await createAgent(server, key, 'Second');
    await createAgent(server, key, 'Third');
    expect((await call(server, 'POST', `/api/v1/agents/${agentId}/deploy`, { token: key })).status).toBe(200);
    model.script(reply('Done.'));
    const completed = await call(server, 'POST', `/api/v1/agents/${agentId}/execute`, { token: key, json: { message: 'Go' } });
    expect(completed.status, completed.text).toBe(200);
    model.script(httpError(500, 'Provider is down'));
    const failed = await call(server, 'POST', `/api/v1/agents/${agentId}/execute`, { token: key, json: { message: 'Again' } });
    expect(failed.status).toBe(502);
    const tool = await call(server, 'POST', '/api/v1/tools/base64_encode/execute', { token: key, json: { args: { input: 'hi' } } });
    expect(tool.status).toBe(200);

    const requests = (await receiver.waitForRequests(before + 9)).slice(before);
    const byEvent = new Map<string, any[]>();
    for (const request of requests) {
      const signature = request.headers['x-webhook-signature'] as string;
      expect(request.method).toBe('POST');
      expect(request.path).toBe('/hooks');
      expect(request.headers['user-agent']).toBe('Alfred-Webhooks/1.0');
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.headers['x-webhook-delivery']).toMatch(/^whd_[0-9a-f]{24}$/);
      expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
      expect(await verify(secret, request.body, signature)).toBe(true);
      const payload = verifyAndParse(request.body, signature, secret);
      expect(Object.keys(payload)).toEqual(['id', 'event', 'timestamp', 'data']);
      expect(payload.id).toMatch(/^evt_[0-9a-f]{24}$/);
      expect(payload.event).toBe(request.headers['x-webhook-event']);
      expect(payload.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
      byEvent.set(payload.event, [...(byEvent.get(payload.event) ?? []), payload.data]);
    }
    expect(new Set(requests.map((request) => request.headers['x-webhook-delivery'])).size).toBe(9);
    expect([...byEvent.keys()].sort()).toEqual([
      'agent.completed',
      'agent.created',
      'agent.deployed',
      'agent.error',
      'tool.executed',
      'usage.threshold',
    ]);

    expect(byEvent.get('agent.created')).toContainEqual({
      agent_id: agentId,
      agent_name: 'Support Bot',
      role: 'specialist',
      fleet_id: null,
      status: 'idle',
    });
    expect(byEvent.get('agent.created')).toHaveLength(3);
    expect(byEvent.get('agent.deployed')).toEqual([{ agent_id: agentId, agent_name: 'Support Bot', fleet_id: null, status: 'working' }]);
    expect(byEvent.get('agent.completed')).toEqual([
      expect.objectContaining({ agent_id: agentId, agent_name: 'Support Bot', tools_used: [] }),
    ]);
    expect(byEvent.get('agent.error')).toEqual([
      expect.objectContaining({ agent_id: agentId, error_code: 'upstream_error', message: expect.stringContaining('Provider is down') }),
    ]);
    expect(byEvent.get('tool.executed')).toEqual([
      expect.objectContaining({ tool: 'base64_encode', status: 'succeeded', credits: 1, error: null }),
    ]);
    expect(byEvent.get('usage.threshold')!.map((data) => data.threshold_percent).sort()).toEqual([100, 80]);
    expect(byEvent.get('usage.threshold')![0]).toMatchObject({ used: 3, limit: 3 });
  });

  it('delivers fleet, marketplace and voice events signed', async () => {
    const { key } = await createTestAccount(server, { account: { plan: 'enterprise' } });
    const endpoint = await call(server, 'POST', '/api/v1/webhooks', { token: key, json: { url: `${receiver.url}/more` } });
    expect(endpoint.status).toBe(201);
    const secret = endpoint.body.data.secret as string;
    const before = receiver.received.length;

    const fleet = await call(server, 'POST', '/api/v1/fleets', { token: key, json: { name: 'Support Team', max_agents: 2 } });
    expect(fleet.status).toBe(201);
    const fleetId = fleet.body.data.id as number;
    const member = await call(server, 'POST', '/api/v1/agents', {
      token: key,
      json: { agent_name: 'Member', agent_role: 'generalist', fleet_id: fleetId },
    });
    expect(member.status).toBe(201);
    model.script(reply('Handled.'));
    const run = await call(server, 'POST', `/api/v1/fleets/${fleetId}/deploy`, { token: key, json: { task: 'Triage the queue' } });
    expect(run.status).toBe(202);

    const items = await call(server, 'GET', '/api/v1/marketplace?type=agent&sort=newest', { token: key });
    expect(items.status).toBe(200);
    const itemId = items.body.data[0].id as number;
    const installed = await call(server, 'POST', `/api/v1/marketplace/${itemId}/install`, { token: key });
    expect(installed.status).toBe(201);

    const room = await call(server, 'POST', '/api/v1/voice/rooms', { token: key, json: { name: 'Stand-up', max_participants: 4 } });
    expect(room.status).toBe(201);
    const placed = await call(server, 'POST', '/api/v1/voice/calls', { token: key, json: { to: '+14155550199' } });
    expect(placed.status).toBe(201);
    const callId = placed.body.data.id as number;
    const twilioCall = twilio.calls.at(-1)!;
    expect(await twilio.sendStatus(twilioCall, 'ringing')).toBe(200);
    expect(await twilio.sendStatus(twilioCall, 'completed', { CallDuration: '42' })).toBe(200);

    const wanted = ['fleet.created', 'fleet.deployed', 'marketplace.installed', 'voice.call.ended', 'voice.call.started', 'voice.room.created'];
    const byEvent = await waitUntil(
      async () => {
        const seen = new Map<string, any[]>();
        for (const request of receiver.received.slice(before)) {
          if (request.path !== '/more') {
            continue;
          }
          const signature = request.headers['x-webhook-signature'] as string;
          expect(await verify(secret, request.body, signature)).toBe(true);
          const payload = verifyAndParse(request.body, signature, secret);
          expect(payload.event).toBe(request.headers['x-webhook-event']);
          seen.set(payload.event, [...(seen.get(payload.event) ?? []), payload.data]);
        }

        return wanted.every((type) => seen.has(type)) ? seen : undefined;
      },
      20_000,
      () => `deliveries of ${wanted.join(', ')}`,
    );

    expect(byEvent.get('fleet.created')).toEqual([{ fleet_id: fleetId, fleet_name: 'Support Team', max_agents: 2, auto_scale: false }]);
    expect(byEvent.get('fleet.deployed')).toEqual([expect.objectContaining({ fleet_id: fleetId, run_id: run.body.data.id })]);
    expect(byEvent.get('marketplace.installed')).toEqual([expect.objectContaining({ item_id: itemId })]);
    expect(byEvent.get('voice.room.created')).toEqual([expect.objectContaining({ room_id: room.body.data.id })]);
    expect(byEvent.get('voice.call.started')).toEqual([expect.objectContaining({ call_id: callId, to: '+14155550199' })]);
    expect(byEvent.get('voice.call.ended')).toEqual([
      expect.objectContaining({ call_id: callId, status: 'completed', duration_seconds: 42 }),
    ]);
  });

  it('raises no event for a rolled-back change', async () => {
    const { account, key } = await createTestAccount(server);
    const fleet = await server.prisma.fleet.create({ data: { accountId: account.id, name: 'Full', maxAgents: 0 } });
    const refused = await call(server, 'POST', '/api/v1/agents', {
      token: key,
      json: { agent_name: 'No room', agent_role: 'generalist', fleet_id: fleet.id },
    });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(await server.prisma.agent.count({ where: { accountId: account.id } })).toBe(0);
    expect(await server.prisma.event.count({ where: { accountId: account.id } })).toBe(0);
  });

  it('raises one agent.deployed for a repeated deploy', async () => {
    const { account, key } = await createTestAccount(server);
    const agentId = await createAgent(server, key, 'Twice');
    await call(server, 'POST', `/api/v1/agents/${agentId}/deploy`, { token: key });
    await call(server, 'POST', `/api/v1/agents/${agentId}/deploy`, { token: key });
    expect(await server.prisma.event.count({ where: { accountId: account.id, type: 'agent.deployed' } })).toBe(1);
  });

  it('streams own events over graphql-ws', async () => {
    const owner = await createTestAccount(server);
    const other = await createTestAccount(server);
    const probe = subscribeOverWebSocket<EventResult>(server.url, owner.key, eventsSubscription);
    const otherProbe = subscribeOverWebSocket<EventResult>(server.url, other.key, eventsSubscription);
    try {
      await subscriptionStarted(server, owner.account.id);
      await subscriptionStarted(server, other.account.id);
      await createAgent(server, other.key, 'Not yours');
      const agentId = await createAgent(server, owner.key, 'Yours');

      const [first] = await probe.waitForResults(1);
      expect(first!.events.type).toBe('AGENT_CREATED');
      expect(first!.events.event).toBe('agent.created');
      expect(first!.events.id).toMatch(/^evt_/);
      expect(first!.events.livemode).toBe(true);
      expect(first!.events.data).toMatchObject({ agent_id: agentId, agent_name: 'Yours' });
      await otherProbe.waitForResults(1);
      // The other account's event was published first; it never reaches the owner.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(probe.results.map((result) => result.events.data.agent_name)).toEqual(['Yours']);
      expect(otherProbe.results.map((result) => result.events.data.agent_name)).toEqual(['Not yours']);
    } finally {
      await probe.dispose();
      await otherProbe.dispose();
    }
  });

  it('keeps test-mode events from live subscribers', async () => {
    const live = await createTestAccount(server);
    const { createApiKey } = await import('../../src/accounts/api-keys.js');
    const { token: testKey } = await createApiKey(server.prisma, live.account.id, { test: true });
    const liveProbe = subscribeOverWebSocket<EventResult>(server.url, live.key, eventsSubscription);
    const testProbe = subscribeOverWebSocket<EventResult>(server.url, testKey, eventsSubscription);
    try {
      await subscriptionStarted(server, live.account.id, 2);
      await createAgent(server, testKey, 'Sandbox');
      await createAgent(server, live.key, 'Production');
      const [liveEvent] = await liveProbe.waitForResults(1);
      const [testEvent] = await testProbe.waitForResults(1);
      expect(liveEvent!.events.data.agent_name).toBe('Production');
      expect(testEvent!.events.data.agent_name).toBe('Sandbox');
      expect(testEvent!.events.livemode).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(liveProbe.results).toHaveLength(1);
      expect(testProbe.results).toHaveLength(1);
    } finally {
      await liveProbe.dispose();
      await testProbe.dispose();
    }
  });

  it('filters a subscription by type', async () => {
    const { account, key } = await createTestAccount(server);
    const probe = subscribeOverWebSocket<EventResult>(server.url, key, eventsSubscription, { types: ['AGENT_DEPLOYED'] });
    try {
      await subscriptionStarted(server, account.id);
      const agentId = await createAgent(server, key, 'Filtered');
      await call(server, 'POST', `/api/v1/agents/${agentId}/deploy`, { token: key });
      const [event] = await probe.waitForResults(1);
      expect(event!.events.type).toBe('AGENT_DEPLOYED');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(probe.results).toHaveLength(1);
    } finally {
      await probe.dispose();
    }
  });

  it('needs the read scope of each event type', async () => {
    const { account, key } = await createTestAccount(server, { key: { scopes: ['tools:read', 'tools:execute', 'agents:write'] } });
    const { key: narrowKey } = await createTestAccount(server, { key: { scopes: ['fleets:read'] } });
    const { createApiKey } = await import('../../src/accounts/api-keys.js');
    const { token: toolsOnly } = await createApiKey(server.prisma, account.id, { scopes: ['tools:read'] });

    const refused = subscribeOverWebSocket(server.url, toolsOnly, eventsSubscription, { types: ['AGENT_CREATED'] });
    const none = subscribeOverWebSocket(server.url, narrowKey, eventsSubscription, { types: ['TOOL_EXECUTED'] });
    const implicit = subscribeOverWebSocket<EventResult>(server.url, toolsOnly, eventsSubscription);
    try {
      const [refusal] = (await refused.waitForError()) as { extensions: { code: string }; message: string }[];
      expect(refusal!.extensions.code).toBe('insufficient_scope');
      expect(refusal!.message).toContain('agents:read');
      const [missing] = (await none.waitForError()) as { extensions: { code: string } }[];
      expect(missing!.extensions.code).toBe('insufficient_scope');

      // Without types, a tools:read key receives tool events but not agent events.
      await subscriptionStarted(server, account.id);
      await createAgent(server, key, 'Hidden');
      await call(server, 'POST', '/api/v1/tools/base64_encode/execute', { token: key, json: { args: { input: 'x' } } });
      const [event] = await implicit.waitForResults(1);
      expect(event!.events.event).toBe('tool.executed');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(implicit.results).toHaveLength(1);
    } finally {
      await refused.dispose();
      await none.dispose();
      await implicit.dispose();
    }
  });

  it('rejects a subscription without a credential', async () => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: eventsSubscription }),
    });
    const text = await response.text();
    expect(text).toContain('auth_required');
  });

  it('streams events over SSE', async () => {
    const { account, key } = await createTestAccount(server);
    const controller = new AbortController();
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: eventsSubscription, variables: { types: ['AGENT_CREATED'] } }),
      signal: controller.signal,
    });
    try {
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      await subscriptionStarted(server, account.id);
      await createAgent(server, key, 'Streamed');

      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = '';
      const block = await waitUntil(async () => {
        const { value } = await reader.read();
        text += value ?? '';

        return /event: next\ndata: (.+)\n\n/.exec(text) ?? undefined;
      });
      const result = JSON.parse(block[1]!) as { data: EventResult };
      expect(result.data.events.event).toBe('agent.created');
      expect(result.data.events.data.agent_name).toBe('Streamed');
    } finally {
      controller.abort();
    }
  });
});

describe('events without Redis', () => {
  let server: TestServer;

  beforeAll(async () => {
    const closed = await startWebhookReceiver();
    const port = closed.port;
    await closed.close();
    server = await startServer({ ...fastDeliveryEnv, REDIS_URL: `redis://127.0.0.1:${port}` });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('keeps serving while Redis is unreachable', async () => {
    const receiver = await startWebhookReceiver();
    try {
      const { key } = await createTestAccount(server);
      await call(server, 'POST', '/api/v1/webhooks', { token: key, json: { url: receiver.url } });
      await createAgent(server, key, 'Still delivered');
      const [request] = await receiver.waitForRequests(1);
      expect(request!.headers['x-webhook-event']).toBe('agent.created');

      const probe = subscribeOverWebSocket(server.url, key, eventsSubscription);
      try {
        const [error] = (await probe.waitForError()) as { extensions: { code: string } }[];
        expect(error!.extensions.code).toBe('service_unavailable');
      } finally {
        await probe.dispose();
      }
      await waitUntil(() => (server.logs.some((line) => line.msg?.toString().startsWith('Redis event bus command failed')) ? true : undefined));
      expect((await call(server, 'GET', '/api/v1/agents', { token: key })).status).toBe(200);
    } finally {
      await receiver.close();
    }
  });
});

describe.skipIf(databaseKind === 'pglite')('events across instances', () => {
  // Two instances share one PostgreSQL database and one Redis. An embedded database is
  // held by a single process, so the PGlite run has no second instance to start.
  let first: TestServer;
  let second: TestServer;

  beforeAll(async () => {
    const redis = { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_KEY_PREFIX: `test-${randomBytes(6).toString('hex')}:` };
    first = await startServer({ ...fastDeliveryEnv, ...redis });
    second = await startServer({ ...fastDeliveryEnv, ...redis, DATABASE_URL: first.config.databaseUrl! });
  });
  afterAll(async () => {
    await second?.stop();
    await first?.stop();
  });

  it('reaches subscribers on both instances through Redis', async () => {
    const { account, key } = await createTestAccount(first);
    const onFirst = subscribeOverWebSocket<EventResult>(first.url, key, eventsSubscription);
    const onSecond = subscribeOverWebSocket<EventResult>(second.url, key, eventsSubscription);
    try {
      await subscriptionStarted(first, account.id);
      await subscriptionStarted(second, account.id);
      const agentId = await createAgent(first, key, 'Everywhere');

      const [a] = await onFirst.waitForResults(1);
      const [b] = await onSecond.waitForResults(1);
      expect(a!.events.data.agent_id).toBe(agentId);
      expect(b!.events.id).toBe(a!.events.id);
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Each instance's dispatcher races for the outbox, but the event is published once.
      expect(onFirst.results).toHaveLength(1);
      expect(onSecond.results).toHaveLength(1);
    } finally {
      await onFirst.dispose();
      await onSecond.dispose();
    }
  });
});
