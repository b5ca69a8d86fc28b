import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import {
  ChatStreamDocument,
  EventsDocument,
  GetAgentDocument,
  UsageDocument,
  ViewerDocument,
  type ChatStreamSubscription,
} from '../../clients/graphql/graphql.js';
import {
  ApiError,
  AuthError,
  Client,
  ConnectionError,
  NotFoundError,
  PermissionError,
  RateLimitError,
  ServerError,
  TimeoutError,
  ValidationError,
  WebhookVerificationError,
  type ChatChunk,
  type RetryEvent,
} from '../../clients/typescript/src/index.js';
import { reply, startModelServer, toolCalls, type ModelServer } from '../support/model-server.js';
import { conformingFetch, type Violation } from '../support/openapi-conformance.js';
import { startDnsServer, startHttpServer, type DnsPeer } from '../support/peers.js';
import { call, createTestAccount, databaseKind, startServer, type TestServer } from '../support/server.js';
import { fastDeliveryEnv, startWebhookReceiver, type WebhookReceiver } from '../support/webhooks.js';

const exampleRecords = { 'example.com': [{ type: 'A' as const, value: '93.184.216.34', ttl: 300 }] };

/** Retries without waiting, for tests that count attempts rather than time them. */
const quickRetry = { initialDelayMs: 1, maxDelayMs: 5 };

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) {
    items.push(item);
  }

  return items;
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe('TypeScript SDK against the server', () => {
  let model: ModelServer;
  let dns: DnsPeer;
  let receiver: WebhookReceiver;
  let server: TestServer;
  let key: string;
  let client: Client;
  const violations: Violation[] = [];
  const requestIds: string[] = [];

  beforeAll(async () => {
    model = await startModelServer();
    dns = await startDnsServer(exampleRecords);
    receiver = await startWebhookReceiver();
    server = await startServer({
      ...fastDeliveryEnv,
      OPENAI_BASE_URL: model.baseUrl,
      OPENAI_API_KEY: 'sk-test-secret',
      LLM_DEFAULT_MODEL: 'test-model',
      LLM_MAX_RETRIES: '0',
      DNS_SERVERS: dns.server,
    });
    key = (await createTestAccount(server, { account: { plan: 'enterprise' } })).key;
    const document = (await call(server, 'GET', '/api/v1/openapi.json')).body;
    const check = conformingFetch(document, violations);
    client = new Client({
      apiKey: key,
      baseUrl: server.url,
      fetch: async (input, init) => {
        const headers = input instanceof Request ? input.headers : new Headers(init?.headers);
        requestIds.push(headers.get('x-request-id') ?? '');

        return check(input, init);
      },
    });
  });
  afterEach(() => {
    // Every response the SDK received must match the OpenAPI document it was typed from.
    expect(violations.splice(0)).toEqual([]);
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
    await receiver?.close();
    await model?.close();
    await dns?.close();
  });

  it('sends a request id on every request', async () => {
    const before = requestIds.length;
    await client.agents.list();
    await client.tools.categories();
    const sent = requestIds.slice(before);

    expect(sent).toHaveLength(2);
    for (const id of sent) {
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(new Set(sent).size).toBe(2);
  });

  it('runs the agent lifecycle', async () => {
    const created = await client.agents.create({ agent_name: 'Lifecycle Bot', agent_role: 'generalist', skills: ['dns_lookup'] });
    const id = created.data.id;
    expect(created.data.status).toBe('idle');

    const listed = await client.agents.list({ per_page: 100 });
    expect(listed.meta.per_page).toBe(100);
    expect(listed.data.map((agent) => agent.id)).toContain(id);

    expect((await client.agents.get(id)).data.agent_name).toBe('Lifecycle Bot');
    const updated = await client.agents.update(id, { task: 'Answer DNS questions', voice_engine: null });
    expect(updated.data.task).toBe('Answer DNS questions');
    expect((await client.agents.deploy(id)).data.status).toBe('working');

    model.script(reply('The records are ready.'));
    const run = await client.agents.execute(id, { message: 'Summarise the zone' });
    expect(run.data.reply).toBe('The records are ready.');
    expect(run.data.execution_time_ms).toBeGreaterThanOrEqual(0);

    expect((await client.agents.delete(id)).data).toEqual({ id, deleted: true });
  });

  it('raises a missing agent as NotFoundError', async () => {
    const error = await caught(client.agents.get(2_000_000_000));

    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toBeInstanceOf(ApiError);
    const notFound = error as NotFoundError;
    expect(notFound.status).toBe(404);
    expect(notFound.code).toBe('resource_not_found');
    expect(notFound.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('raises an invalid body as ValidationError with details', async () => {
    const error = await caught(client.agents.create({ agent_name: '', agent_role: 'specialist' }));

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).status).toBe(400);
    expect((error as ValidationError).code).toBe('validation_error');
    expect((error as ValidationError).details).toEqual([{ field: 'agent_name', message: 'must not be empty' }]);
  });

  it('raises a bad key as AuthError and a missing scope as PermissionError', async () => {
    const stranger = new Client({ apiKey: 'ak_live_abcdefgh_not-a-real-secret-at-all', baseUrl: server.url });
    const auth = await caught(stranger.agents.list());
    expect(auth).toBeInstanceOf(AuthError);
    expect((auth as AuthError).status).toBe(401);
    expect((auth as AuthError).code).toBe('auth_required');

    const reader = (await createTestAccount(server, { key: { scopes: ['agents:read'] } })).key;
    const limited = new Client({ apiKey: reader, baseUrl: server.url });
    const permission = await caught(limited.agents.create({ agent_name: 'Nope', agent_role: 'leader' }));
    expect(permission).toBeInstanceOf(PermissionError);
    expect((permission as PermissionError).code).toBe('insufficient_scope');
  });

  it('lists, reads and runs tools', async () => {
    const found = await client.tools.list({ search: 'dns', per_page: 5 });
    expect(found.data.map((tool) => tool.name)).toContain('dns_lookup');

    const categories = await client.tools.categories();
    expect(categories.data.find((category) => category.slug === 'devops')?.count).toBeGreaterThan(0);

    const tool = await client.tools.get('dns_lookup');
    expect(tool.data.input_schema).toHaveProperty('properties');

    const run = await client.tools.execute('dns_lookup', { args: { domain: 'example.com', type: 'A' } });
    expect(run.data.tool).toBe('dns_lookup');
    expect(run.data.credits_used).toBe(1);

    const registered = await client.tools.register({
      name: 'sdk_weather_now',
      description: 'Current weather for a city',
      category: 'geospatial',
      input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      http: { method: 'GET', url: 'https://weather.example.com/v1/now/{city}' },
    });
    expect(registered.data.kind).toBe('http');
    expect((await client.tools.delete('sdk_weather_now')).data).toEqual({ name: 'sdk_weather_now', deleted: true });
  });

  it('streams a chat reply to the end', async () => {
    model.script(
      toolCalls([{ id: 'call_1', name: 'dns_lookup', arguments: '{"domain":"example.com","type":"A"}' }]),
      reply(['Example.com ', 'has one A record.']),
    );
    const chunks: ChatChunk[] = await collect(client.chat.stream({ message: 'DNS of example.com?', tools: ['dns_lookup'] }));

    expect(chunks.map((chunk) => chunk.type)).toEqual(['tool_start', 'tool_end', 'text', 'text', 'done']);
    const text = chunks.flatMap((chunk) => (chunk.type === 'text' ? [chunk.content] : [])).join('');
    expect(text).toBe('Example.com has one A record.');
    const done = chunks.at(-1) as Extract<ChatChunk, { type: 'done' }>;
    expect(done.conversation_id).toMatch(/^conv_[0-9a-f]{24}$/);

    model.script(reply('Still one record.'));
    const again = await client.chat.send({ message: 'And now?', conversation_id: done.conversation_id });
    expect(again.data.reply).toBe('Still one record.');
    expect(again.data.conversation_id).toBe(done.conversation_id);

    const conversations = await client.chat.list();
    expect(conversations.data.map((conversation) => conversation.id)).toContain(done.conversation_id);
    expect((await client.chat.get(done.conversation_id)).data.message_count).toBeGreaterThanOrEqual(4);
    const messages = await client.chat.messages(done.conversation_id);
    expect(messages.data[0]).toMatchObject({ role: 'user', content: 'DNS of example.com?' });
  });

  it('raises a failed stream as the error of its status', async () => {
    model.script({ kind: 'stream_error', before: ['Partial '], message: 'the model broke down' });
    const seen: ChatChunk[] = [];
    const error = await caught(
      (async () => {
        for await (const chunk of client.chat.stream({ message: 'Break, please' })) {
          seen.push(chunk);
        }
      })(),
    );

    expect(seen[0]).toEqual({ type: 'text', content: 'Partial ' });
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBeGreaterThanOrEqual(500);
  });

  it('reads usage', async () => {
    const summary = await client.usage.get();
    expect(summary.data.plan).toBe('enterprise');
    expect(summary.data.period).toMatch(/^\d{4}-\d{2}$/);
    expect(summary.data.api_calls.used).toBeGreaterThan(0);

    const history = await client.usage.history({ resource_type: 'tools', per_page: 100 });
    expect(history.data.length).toBe(30);
    expect(history.data.every((record) => record.resource_type === 'tools')).toBe(true);
  });

  it('manages webhook endpoints and verifies a delivery', async () => {
    const created = await client.webhooks.create({ url: `${receiver.url}/hooks`, events: ['agent.deployed'] });
    const endpoint = created.data;
    expect(endpoint.secret).toMatch(/^whsec_/);

    const agent = await client.agents.create({ agent_name: 'Hooked', agent_role: 'specialist' });
    await client.agents.deploy(agent.data.id);
    const [delivery] = await receiver.waitForRequests(1, 10_000);
    const signature = delivery!.headers['x-webhook-signature'] as string;

    const payload = client.webhooks.verifyAndParse<{ agent_id: number }>(delivery!.body, signature, endpoint.secret!);
    expect(payload.event).toBe('agent.deployed');
    expect(payload.data.agent_id).toBe(agent.data.id);
    expect(() => client.webhooks.verifyAndParse(delivery!.body, signature, 'whsec_wrong')).toThrow(WebhookVerificationError);

    const deliveries = await client.webhooks.deliveries(endpoint.id);
    expect(deliveries.data).toHaveLength(1);
    const detail = await client.webhooks.delivery(endpoint.id, deliveries.data[0]!.id);
    expect(detail.data.body).toBe(delivery!.body);
    expect((await client.webhooks.attempts(endpoint.id)).data.length).toBeGreaterThanOrEqual(1);
    expect((await client.webhooks.redeliver(endpoint.id, deliveries.data[0]!.id)).data.id).toBe(deliveries.data[0]!.id);

    expect((await client.webhooks.list()).data.map((entry) => entry.id)).toContain(endpoint.id);
    expect((await client.webhooks.get(endpoint.id)).data.url).toBe(`${receiver.url}/hooks`);
    expect((await client.webhooks.update(endpoint.id, { enabled: false })).data.enabled).toBe(false);
    const rotated = await client.webhooks.rotateSecret(endpoint.id);
    expect(rotated.data.secret).not.toBe(endpoint.secret);
    expect((await client.webhooks.delete(endpoint.id)).data).toEqual({ id: endpoint.id, deleted: true });
  });

  it('runs typed GraphQL queries and subscriptions', async () => {
    const viewer = await client.graphql.request(ViewerDocument);
    expect(viewer.viewer.account?.plan).toBe('enterprise');

    const events = client.graphql.subscribe(EventsDocument, { types: ['AGENT_CREATED'] });
    const first = events.next();
    // The subscription starts asynchronously, so agents are created until one event arrives.
    let created = 0;
    const arrived = await Promise.race([
      first,
      (async () => {
        while (created < 20) {
          await client.agents.create({ agent_name: `Subscribed ${created}`, agent_role: 'reviewer' });
          created += 1;
          await new Promise((resolve) => setTimeout(resolve, 300));
        }

        return undefined;
      })(),
    ]);
    await events.return();

    expect(arrived?.value?.events.event).toBe('agent.created');
  });

  it('streams chatStream over graphql-ws to the end', async () => {
    model.script(
      toolCalls([{ id: 'call_1', name: 'dns_lookup', arguments: '{"domain":"example.com","type":"A"}' }]),
      reply(['One A record: ', '93.184.216.34.']),
    );
    const chunks: ChatStreamSubscription['chatStream'][] = [];
    for await (const result of client.graphql.subscribe(ChatStreamDocument, {
      input: { message: 'A records of example.com?', tools: ['dns_lookup'] },
    })) {
      chunks.push(result.chatStream);
    }

    expect(chunks.map((chunk) => chunk.type)).toEqual(['tool_start', 'tool_end', 'text', 'text', 'done']);
    expect(chunks[0]!.tool).toBe('dns_lookup');
    const text = chunks.flatMap((chunk) => (chunk.type === 'text' ? [chunk.content] : [])).join('');
    expect(text).toBe('One A record: 93.184.216.34.');
    expect(chunks.at(-1)!.conversationId).toMatch(/^conv_[0-9a-f]{24}$/);
    const stored = await client.chat.get(chunks.at(-1)!.conversationId!);
    expect(stored.data.message_count).toBeGreaterThanOrEqual(2);
  });

  it('runs the usage query through the typed client', async () => {
    const { usage } = await client.graphql.request(UsageDocument);

    expect(usage.plan).toBe('enterprise');
    expect(usage.period).toMatch(/^\d{4}-\d{2}$/);
    expect(usage.apiCalls.used).toBeGreaterThan(0);
  });

  it('raises GraphQL errors with the error class of their status', async () => {
    const missing = await caught(client.graphql.request(GetAgentDocument, { id: 'QWdlbnQ6MjAwMDAwMDAwMA==' }));
    expect(missing).toBeInstanceOf(NotFoundError);
    expect((missing as NotFoundError).code).toBe('resource_not_found');

    const stranger = new Client({ apiKey: 'ak_live_abcdefgh_not-a-real-secret-at-all', baseUrl: server.url });
    const auth = await caught(stranger.graphql.request(ViewerDocument));
    expect(auth).toBeInstanceOf(AuthError);
    expect((auth as AuthError).code).toBe('auth_required');
  });
});

// Each example of the REST contract's SDK section, written as the contract shows it. Its
// automatic retry on 429 is checked by 'TypeScript SDK retries' and against real limits.
describe('TypeScript SDK examples of the contract', () => {
  let model: ModelServer;
  let dns: DnsPeer;
  let receiver: WebhookReceiver;
  let server: TestServer;
  let liveKey: string;
  const savedBaseUrl = process.env.AGENTGRAPH_BASE_URL;

  beforeAll(async () => {
    model = await startModelServer();
    dns = await startDnsServer(exampleRecords);
    receiver = await startWebhookReceiver();
    server = await startServer({
      ...fastDeliveryEnv,
      OPENAI_BASE_URL: model.baseUrl,
      OPENAI_API_KEY: 'sk-test-secret',
      LLM_DEFAULT_MODEL: 'test-model',
      LLM_MAX_RETRIES: '0',
      DNS_SERVERS: dns.server,
      // On, so that RateLimitError meets a real limit. The professional key of the other
      // examples stays far below its 60 requests per minute.
      RATE_LIMITS: 'on',
    });
    liveKey = (await createTestAccount(server)).key;
    // The contract constructs the client with the key alone, so the server comes from the environment.
    process.env.AGENTGRAPH_BASE_URL = server.url;
  });
  afterAll(async () => {
    if (savedBaseUrl === undefined) {
      delete process.env.AGENTGRAPH_BASE_URL;
    } else {
      process.env.AGENTGRAPH_BASE_URL = savedBaseUrl;
    }
    await server?.stop();
    await receiver?.close();
    await model?.close();
    await dns?.close();
  });

  it('constructs a client with an API key', async () => {
    expect(liveKey).toMatch(/^ak_live_/);
    const client = new Client({ apiKey: liveKey });

    expect(client.baseUrl).toBe(server.url);
    expect((await client.agents.list()).meta.page).toBe(1);
  });

  it('agents.create(params)', async () => {
    const client = new Client({ apiKey: liveKey });
    const agent = await client.agents.create({
      agent_name: 'Support Bot',
      agent_role: 'specialist',
      task: 'Handle customer billing questions',
      skills: ['product_lookup', 'ticket_create'],
      voice_enabled: true,
      voice_engine: 'cartesia',
    });

    expect(agent.data).toMatchObject({ agent_name: 'Support Bot', status: 'idle', voice_engine: 'cartesia' });
  });

  it('chat.stream(params)', async () => {
    model.script(
      toolCalls([{ id: 'call_1', name: 'dns_lookup', arguments: '{"domain":"example.com"}' }]),
      reply(['Here are ', 'the DNS records...']),
    );
    const client = new Client({ apiKey: liveKey });
    const stdout = { text: '', write(content: string) { this.text += content; } };

    for await (const chunk of client.chat.stream({
      message: 'What are the DNS records for example.com?',
      tools: ['dns_lookup'],
      temperature: 0.5,
    })) {
      if (chunk.type === 'text') {
        stdout.write(chunk.content);
      }
    }

    expect(stdout.text).toBe('Here are the DNS records...');
  });

  it('tools.execute(name, { args })', async () => {
    const client = new Client({ apiKey: liveKey });
    const response = await client.tools.execute('dns_lookup', { args: { domain: 'example.com', type: 'A' } });

    expect(response.data.result).toMatchObject({ records: [{ type: 'A', value: '93.184.216.34', ttl: 300 }] });
  });

  it('webhooks.verifyAndParse(rawBody, signature, secret)', async () => {
    const client = new Client({ apiKey: liveKey });
    const { data: endpoint } = await client.webhooks.create({ url: receiver.url, events: ['agent.deployed'] });
    const agent = await client.agents.create({ agent_name: 'Support Bot', agent_role: 'specialist' });
    await client.agents.deploy(agent.data.id);
    const [request] = await receiver.waitForRequests(1, 10_000);
    const rawBody = request!.body;
    const signature = request!.headers['x-webhook-signature'] as string;
    const secret = endpoint.secret!;

    const payload = client.webhooks.verifyAndParse(rawBody, signature, secret);

    expect(payload.event).toBe('agent.deployed');
    expect(payload.data).toMatchObject({ agent_id: agent.data.id, agent_name: 'Support Bot', status: 'working' });
  });

  it('error classes checked with instanceof', async () => {
    const client = new Client({ apiKey: liveKey });
    try {
      await client.agents.get(987_654_321);
      expect.unreachable('a missing agent must raise');
    } catch (error) {
      expect(error instanceof NotFoundError).toBe(true);
    }
    try {
      await new Client({ apiKey: 'ak_live_abcdefgh_revokedrevokedrevokedrevoked12' }).agents.list();
      expect.unreachable('a bad key must raise');
    } catch (error) {
      expect(error instanceof AuthError).toBe(true);
    }
    const freeKey = (await createTestAccount(server, { account: { plan: 'free' } })).key;
    for (let sent = 0; sent < 10; sent += 1) {
      expect((await call(server, 'GET', '/api/v1/usage', { token: freeKey })).status).toBe(200);
    }
    try {
      // Without retries, because the client would otherwise wait for the window to free a slot.
      await new Client({ apiKey: freeKey }).usage.get({ maxRetries: 0 });
      expect.unreachable('an eleventh request within the minute must raise');
    } catch (error) {
      expect(error instanceof RateLimitError).toBe(true);
      expect((error as RateLimitError).retryAfter).toBeGreaterThan(0);
    }
  });
});

describe('TypeScript SDK retries', () => {
  function fakeApi(statuses: number[], headers: Record<string, string> = {}) {
    let index = 0;

    return startHttpServer((_request: IncomingMessage, response: ServerResponse) => {
      const status = statuses[Math.min(index, statuses.length - 1)]!;
      index += 1;
      const body =
        status < 400
          ? { data: [], meta: { total: 0, page: 1, per_page: 20, total_pages: 0 } }
          : { error: { code: status === 429 ? 'rate_limit_exceeded' : 'service_unavailable', message: 'try later', status } };
      response.writeHead(status, { 'content-type': 'application/json', 'x-request-id': 'fake', ...headers });
      response.end(JSON.stringify(body));
    });
  }

  it('retries a 503 for GET and not for POST', async () => {
    const api = await fakeApi([503, 503, 200, 503]);
    try {
      const retries: RetryEvent[] = [];
      const client = new Client({ apiKey: 'ak_test_x', baseUrl: api.url, retry: quickRetry, onRetry: (event) => retries.push(event) });
      const listed = await client.agents.list();
      expect(listed.meta.total).toBe(0);
      expect(retries.map((event) => event.reason)).toEqual([503, 503]);
      expect(new Set(retries.map((event) => event.requestId)).size).toBe(1);

      const posted = await caught(client.agents.create({ agent_name: 'x', agent_role: 'leader' }));
      expect(posted).toBeInstanceOf(ApiError);
      expect(api.requests).toHaveLength(4);
    } finally {
      await api.close();
    }
  });

  it('gives up after maxRetries with ServerError', async () => {
    const api = await fakeApi([503]);
    try {
      const client = new Client({ apiKey: 'ak_test_x', baseUrl: api.url, retry: { ...quickRetry, maxRetries: 3 } });
      const error = await caught(client.agents.list());

      expect(error).toBeInstanceOf(ServerError);
      expect((error as ServerError).status).toBe(503);
      expect(api.requests).toHaveLength(4);
    } finally {
      await api.close();
    }
  });

  it('retries a 429 for POST, honouring Retry-After', async () => {
    const api = await fakeApi([429, 201], { 'retry-after': '1' });
    try {
      const retries: RetryEvent[] = [];
      const client = new Client({ apiKey: 'ak_test_x', baseUrl: api.url, retry: quickRetry, onRetry: (event) => retries.push(event) });
      await client.agents.create({ agent_name: 'x', agent_role: 'leader' });

      expect(retries).toHaveLength(1);
      expect(retries[0]!.delayMs).toBeGreaterThanOrEqual(1000);
    } finally {
      await api.close();
    }
  });

  it('raises a 429 whose Retry-After is too long at once', async () => {
    const api = await fakeApi([429], { 'retry-after': '3600' });
    try {
      const client = new Client({ apiKey: 'ak_test_x', baseUrl: api.url, retry: quickRetry });
      const error = await caught(client.agents.list());

      expect(error).toBeInstanceOf(RateLimitError);
      expect((error as RateLimitError).retryAfter).toBe(3600);
      expect(api.requests).toHaveLength(1);
    } finally {
      await api.close();
    }
  });

  it('retries connection errors for GET and raises ConnectionError', async () => {
    const api = await fakeApi([200]);
    const url = api.url;
    await api.close();
    const retries: RetryEvent[] = [];
    const client = new Client({ apiKey: 'ak_test_x', baseUrl: url, retry: quickRetry, onRetry: (event) => retries.push(event) });
    const error = await caught(client.agents.list());

    expect(error).toBeInstanceOf(ConnectionError);
    expect(retries).toHaveLength(2);
  });

  it('sends the key and a request id on the WebSocket handshake', async () => {
    const handshakes: IncomingHttpHeaders[] = [];
    const initPayloads: unknown[] = [];
    // Just enough of the graphql-ws protocol to acknowledge the connection and end one
    // subscription with a single result.
    const peer = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/graphql' });
    peer.on('connection', (socket, request) => {
      handshakes.push(request.headers);
      socket.on('message', (raw) => {
        const message = JSON.parse(String(raw)) as { type: string; id?: string; payload?: unknown };
        if (message.type === 'connection_init') {
          initPayloads.push(message.payload);
          socket.send(JSON.stringify({ type: 'connection_ack' }));
        } else if (message.type === 'subscribe') {
          const event = { id: 'evt_1', type: 'AGENT_CREATED', event: 'agent.created', timestamp: 'now', livemode: false, data: {} };
          socket.send(JSON.stringify({ type: 'next', id: message.id, payload: { data: { events: event } } }));
          socket.send(JSON.stringify({ type: 'complete', id: message.id }));
        }
      });
    });
    await new Promise((resolve) => peer.once('listening', resolve));
    const { port } = peer.address() as AddressInfo;
    const client = new Client({ apiKey: 'ak_test_handshake', baseUrl: `http://127.0.0.1:${port}` });
    try {
      const results = await collect(client.graphql.subscribe(EventsDocument, {}));

      expect(results.map((result) => result.events.event)).toEqual(['agent.created']);
      expect(handshakes).toHaveLength(1);
      expect(handshakes[0]!['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(handshakes[0]!.authorization).toBe('Bearer ak_test_handshake');
      expect(initPayloads).toEqual([{ authorization: 'Bearer ak_test_handshake' }]);
    } finally {
      await client.close();
      for (const socket of peer.clients) {
        socket.terminate();
      }
      await new Promise((resolve) => peer.close(resolve));
    }
  });

  it('times out a request that gets no answer', async () => {
    const api = await startHttpServer(() => {
      // Never answers.
    });
    try {
      const client = new Client({ apiKey: 'ak_test_x', baseUrl: api.url, timeoutMs: 200, retry: { ...quickRetry, maxRetries: 1 } });
      const error = await caught(client.agents.list());

      expect(error).toBeInstanceOf(TimeoutError);
      expect(api.requests).toHaveLength(2);
    } finally {
      await api.close();
    }
  });
});

// Rate limiting does not depend on the database, and a free key's full minute window
// makes this test wait up to a minute, so it runs in one project only.
describe.skipIf(databaseKind === 'pglite')('TypeScript SDK against rate limits', () => {
  let server: TestServer;
  let key: string;

  beforeAll(async () => {
    server = await startServer({ RATE_LIMITS: 'on' });
    key = (await createTestAccount(server, { account: { plan: 'free' } })).key;
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('retries a 429 until the window frees a slot', async () => {
    for (let sent = 0; sent < 10; sent += 1) {
      expect((await call(server, 'GET', '/api/v1/usage', { token: key })).status).toBe(200);
    }
    const refused = new Client({ apiKey: key, baseUrl: server.url, retry: { maxRetries: 0 } });
    try {
      await refused.usage.get();
      expect.unreachable('an eleventh request within the minute must raise');
    } catch (error) {
      expect(error instanceof RateLimitError).toBe(true);
      expect((error as RateLimitError).retryAfter).toBeGreaterThan(0);
    }

    const retries: RetryEvent[] = [];
    const client = new Client({ apiKey: key, baseUrl: server.url, onRetry: (event) => retries.push(event) });
    const summary = await client.usage.get();

    expect(summary.data.plan).toBe('free');
    expect(retries.map((event) => event.reason)).toEqual([429]);
  }, 90_000);
});
