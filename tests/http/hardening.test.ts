import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { eventData, postAndReadStream } from '../support/event-stream.js';
import { rawStream, reply, startModelServer, toolCalls, type ModelServer } from '../support/model-server.js';
import { call, createTestAccount, databaseKind, startServer, type TestServer } from '../support/server.js';

type Response = Awaited<ReturnType<typeof call>>;

function expectError(response: Response, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  expect(response.body.error.code).toBe(code);
  expect(response.body.error.status).toBe(status);
  expect(response.body.error.message).not.toBe('');
}

function expectGraphQLError(response: Response, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const [error] = response.body.errors as { message: string; extensions: Record<string, unknown> }[];
  expect(error!.extensions.code).toBe(code);
  expect(error!.extensions.status).toBe(status);
  expect(error!.message).not.toBe('');
}

/** A raw graphql-transport-ws socket that records every message and the close code. */
interface RawSocket {
  messages: Record<string, unknown>[];
  send(message: Record<string, unknown>): void;
  /** Resolves with the first message that `match` accepts, or rejects after `timeoutMs`. */
  waitFor(match: (message: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves with the close code once the server closed the socket. */
  closed: Promise<number>;
  close(): void;
}

async function openRawSocket(server: TestServer): Promise<RawSocket> {
  const socket = new WebSocket(`${server.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
  const messages: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  socket.on('message', (data) => {
    messages.push(JSON.parse(data.toString()) as Record<string, unknown>);
    for (const wake of waiters) {
      wake();
    }
  });
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });

  return {
    messages,
    send: (message) => socket.send(JSON.stringify(message)),
    waitFor: (match, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find(match);
          if (found !== undefined) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching message; received ${JSON.stringify(messages)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    closed,
    close: () => socket.close(),
  };
}

/** Sends `text` as raw bytes over TCP and returns everything the server sends back. */
function sendRaw(server: TestServer, text: string): Promise<string> {
  const { hostname, port } = new URL(server.url);

  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(text));
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString('utf8');
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
  });
}

function parseRawResponse(text: string): { status: number; headers: string; body: any } {
  const split = text.indexOf('\r\n\r\n');
  const head = text.slice(0, split);

  return { status: Number(head.split(' ')[1]), headers: head.toLowerCase(), body: JSON.parse(text.slice(split + 4)) };
}

const agentEvents = 'subscription { events(types: [AGENT_CREATED]) { event data } }';

describe('hardening', () => {
  let server: TestServer;
  let key: string;

  beforeAll(async () => {
    server = await startServer({ MAX_BODY_BYTES: '4096' });
    key = (await createTestAccount(server)).key;
  });
  afterAll(async () => {
    await server?.stop();
  });

  function createAgent(body: unknown): Promise<Response> {
    return call(server, 'POST', '/api/v1/agents', { token: key, json: body });
  }

  describe('REST bodies', () => {
    it('names unknown and invalid fields together', async () => {
      const response = await createAgent({ agent_name: 123, agent_role: 'boss', extra: 1 });

      expectError(response, 400, 'validation_error');
      const fields = (response.body.error.details as { field: string }[]).map((issue) => issue.field);
      expect(fields.sort()).toEqual(['agent_name', 'agent_role', 'extra']);
    });

    for (const name of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
      it(`rejects the inherited name ${name} as a field`, async () => {
        const response = await call(server, 'POST', '/api/v1/agents', {
          token: key,
          headers: { 'content-type': 'application/json' },
          body: `{"agent_name":"x","agent_role":"leader","${name}":{"a":1}}`,
        });

        expectError(response, 400, 'validation_error');
        expect(response.body.error.details).toEqual([
          { field: name, message: expect.stringContaining('is not a field of this endpoint') },
        ]);
        expect(response.body.error.message).not.toContain('native code');
        expect(response.body.error.message).not.toContain('[object Object]');
      });
    }

    it('rejects an inherited name on a route without fields', async () => {
      const agent = await createAgent({ agent_name: 'x', agent_role: 'leader' });
      const response = await call(server, 'POST', `/api/v1/agents/${agent.body.data.id}/deploy`, {
        token: key,
        json: { constructor: 1 },
      });

      expectError(response, 400, 'validation_error');
      expect(response.body.error.details[0].field).toBe('constructor');
      expect(response.body.error.message).toContain('accepted fields: none');
    });

    for (const [body, kind] of [
      ['null', 'null'],
      ['5', 'a number'],
      ['"text"', 'a string'],
      ['true', 'a boolean'],
      ['[]', 'an array'],
    ]) {
      it(`names the JSON value ${body} that is not an object`, async () => {
        const response = await call(server, 'POST', '/api/v1/agents', {
          token: key,
          headers: { 'content-type': 'application/json' },
          body,
        });

        expectError(response, 400, 'validation_error');
        expect(response.body.error.message).toBe(`Request body must be a JSON object, got ${kind}`);
      });
    }
  });

  describe('deeply nested JSON', () => {
    const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

    it('rejects a deep REST body with 400', async () => {
      const response = await call(server, 'POST', '/api/v1/agents', {
        token: key,
        headers: { 'content-type': 'application/json' },
        body: `{"agent_name":"x","agent_role":"leader","task":${nested(1500)}}`,
      });

      expectError(response, 400, 'validation_error');
      expect(response.body.error.details).toEqual([{ field: 'body', message: expect.stringContaining('levels deep') }]);
    });

    it('accepts nesting up to the limit', async () => {
      const response = await call(server, 'POST', '/api/v1/agents', {
        token: key,
        headers: { 'content-type': 'application/json' },
        body: `{"agent_name":"x","agent_role":"leader","task":${nested(63)}}`,
      });

      // 64 levels with the body itself: the depth check passes and the schema decides.
      expectError(response, 400, 'validation_error');
      expect(response.body.error.details).toEqual([{ field: 'task', message: expect.any(String) }]);
    });

    it('rejects deep GraphQL variables with 400', async () => {
      const response = await call(server, 'POST', '/graphql', {
        token: key,
        headers: { 'content-type': 'application/json' },
        body: `{"query":"{ __typename }","variables":{"v":${nested(1500)}}}`,
      });

      expectGraphQLError(response, 400, 'validation_error');
    });

    it('rejects deep variables in a GET query string', async () => {
      const variables = encodeURIComponent(`{"v":${nested(1500)}}`);
      const response = await call(server, 'GET', `/graphql?query=%7B__typename%7D&variables=${variables}`, {
        token: key,
      });

      expectGraphQLError(response, 400, 'validation_error');
    });
  });

  describe('unknown paths', () => {
    for (const path of ['/foo', '/API/v1/agents', '/graphql/extra', '/healthz/extra', '/favicon.ico']) {
      it(`answers ${path} with the 404 envelope`, async () => {
        const response = await call(server, 'GET', path, { token: key });

        expectError(response, 404, 'resource_not_found');
        expect(response.body.error.message).toContain(path);
      });
    }

    it('keeps serving health, readiness and the reference page', async () => {
      expect((await call(server, 'GET', '/healthz')).status).toBe(200);
      expect((await call(server, 'GET', '/readyz')).status).toBe(200);
      const reference = await call(server, 'GET', '/docs');
      expect(reference.status).toBe(200);
      expect(reference.headers.get('content-type')).toContain('text/html');
    });
  });

  describe('requests the HTTP parser rejects', () => {
    for (const [name, request] of [
      ['a request line that is not HTTP', 'GARBAGE\r\n\r\n'],
      ['a non-numeric Content-Length', 'POST /api/v1/agents HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n'],
      [
        'both Transfer-Encoding and Content-Length',
        'POST /api/v1/agents HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n',
      ],
    ] as const) {
      it(`answers ${name} with the 400 envelope`, async () => {
        const response = parseRawResponse(await sendRaw(server, request));

        expect(response.status).toBe(400);
        expect(response.headers).toContain('content-type: application/json');
        expect(response.headers).toMatch(/x-request-id: [0-9a-f-]{36}/);
        expect(response.body.error).toMatchObject({ code: 'validation_error', status: 400 });
        expect(response.body.error.message).not.toBe('');
      });
    }

    it('answers oversized headers with the 431 envelope', async () => {
      const request = `GET /api/v1/agents HTTP/1.1\r\nHost: x\r\nX-Padding: ${'a'.repeat(20_000)}\r\n\r\n`;
      const response = parseRawResponse(await sendRaw(server, request));

      expect(response.status).toBe(431);
      expect(response.body.error).toMatchObject({ code: 'validation_error', status: 431 });
      expect((await call(server, 'GET', '/healthz')).status).toBe(200);
    });
  });

  describe('GraphQL over HTTP', () => {
    const query = JSON.stringify({ query: '{ __typename }' });

    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      it(`rejects a ${type.split(';')[0]} body with 415`, async () => {
        const response = await call(server, 'POST', '/graphql', {
          token: key,
          headers: { 'content-type': type },
          body: query,
        });

        expectGraphQLError(response, 415, 'unsupported_media_type');
      });
    }

    it('accepts application/graphql', async () => {
      const response = await call(server, 'POST', '/graphql', {
        token: key,
        headers: { 'content-type': 'application/graphql' },
        body: '{ __typename }',
      });

      expect(response.status).toBe(200);
      expect(response.body).toEqual({ data: { __typename: 'Query' } });
    });

    it('limits application/graphql bodies', async () => {
      const response = await call(server, 'POST', '/graphql', {
        token: key,
        headers: { 'content-type': 'application/graphql' },
        body: `{ __typename ${' '.repeat(5000)}}`,
      });

      expectGraphQLError(response, 413, 'payload_too_large');
      expect((await call(server, 'GET', '/healthz')).status).toBe(200);
    });

    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      it(`answers ${method} with method_not_allowed`, async () => {
        const response = await call(server, method, '/graphql', {
          token: key,
          headers: { 'content-type': 'application/json' },
          body: query,
        });

        expectGraphQLError(response, 405, 'method_not_allowed');
        expect(response.headers.get('allow')).toContain('POST');
      });
    }

    for (const [name, body] of [
      ['two operations without operationName', { query: 'query A { __typename } query B { __typename }' }],
      ['an operationName that names none', { query: 'query A { __typename }', operationName: 'B' }],
    ] as const) {
      it(`rejects ${name} with validation_error`, async () => {
        const response = await call(server, 'POST', '/graphql', { token: key, json: body });

        expectGraphQLError(response, 400, 'validation_error');
      });
    }

    it('names usage history arguments as GraphQL spells them', async () => {
      const response = await call(server, 'POST', '/graphql', {
        token: key,
        json: { query: '{ usageHistory(startDate: "2026-12-05", endDate: "2026-12-01") { totalCount } }' },
      });

      expect(response.body.errors[0].extensions.code).toBe('validation_error');
      expect(response.body.errors[0].extensions.details).toEqual([
        { field: 'startDate', message: 'must not be after endDate' },
      ]);
    });

    it('answers a mutation over GET with method_not_allowed', async () => {
      const response = await call(server, 'GET', `/graphql?query=${encodeURIComponent('mutation { __typename }')}`, {
        token: key,
      });

      expectGraphQLError(response, 405, 'method_not_allowed');
      expect(response.headers.get('allow')).toBe('POST');
    });
  });

  describe('graphql-ws protocol', () => {
    it('closes with 4403 for a missing credential', async () => {
      const socket = await openRawSocket(server);
      socket.send({ type: 'connection_init', payload: {} });

      expect(await socket.closed).toBe(4403);
      expect(socket.messages).toEqual([]);
    });

    it('closes with 4403 for an invalid key', async () => {
      const socket = await openRawSocket(server);
      socket.send({ type: 'connection_init', payload: { authorization: 'Bearer ak_live_nope_nope' } });

      expect(await socket.closed).toBe(4403);
      expect(socket.messages).toEqual([]);
    });

    it('closes with 4429 on a second connection_init', async () => {
      const socket = await openRawSocket(server);
      socket.send({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } });
      await socket.waitFor((message) => message.type === 'connection_ack');
      socket.send({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } });

      expect(await socket.closed).toBe(4429);
    });

    it('closes with 4401 on subscribe before the ack', async () => {
      const socket = await openRawSocket(server);
      socket.send({ id: 's1', type: 'subscribe', payload: { query: agentEvents } });

      expect(await socket.closed).toBe(4401);
    });

    it('closes with 4408 without connection_init', async () => {
      const socket = await openRawSocket(server);

      expect(await socket.closed).toBe(4408);
    });

    it('closes with 4409 on a reused subscription id', async () => {
      const socket = await openRawSocket(server);
      socket.send({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } });
      await socket.waitFor((message) => message.type === 'connection_ack');
      socket.send({ id: 's1', type: 'subscribe', payload: { query: agentEvents } });
      socket.send({ id: 's1', type: 'subscribe', payload: { query: agentEvents } });

      expect(await socket.closed).toBe(4409);
    });

    it('answers ping with pong and keeps delivering', async () => {
      const socket = await openRawSocket(server);
      try {
        socket.send({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } });
        await socket.waitFor((message) => message.type === 'connection_ack');
        socket.send({ id: 'events', type: 'subscribe', payload: { query: agentEvents } });
        // The subscription is live once the server has registered it; an agent created
        // before then would be missed, so wait for the first event of a probe agent.
        await createAgent({ agent_name: 'Probe', agent_role: 'leader' });
        await socket.waitFor((message) => message.type === 'next');

        socket.send({ type: 'ping' });
        const pong = await socket.waitFor((message) => message.type === 'pong');
        expect(pong).toEqual({ type: 'pong' });

        socket.send({ type: 'ping', payload: { t: 1 } });
        await socket.waitFor((message) => message.type === 'pong' && message !== pong);
        const pongs = socket.messages.filter((message) => message.type === 'pong');
        expect(pongs[1]).toEqual({ type: 'pong', payload: { t: 1 } });

        await createAgent({ agent_name: 'After ping', agent_role: 'leader' });
        const next = await socket.waitFor(
          (message) =>
            message.type === 'next' &&
            (message.payload as any)?.data?.events?.data?.agent_name === 'After ping',
        );
        expect(next.id).toBe('events');
      } finally {
        socket.close();
      }
    });

    for (const [name, variables] of [
      ['a NUL character', { name: 'a\u0000b' }],
      ['deep nesting', { name: JSON.parse(`${'['.repeat(1500)}${']'.repeat(1500)}`) }],
    ] as const) {
      it(`rejects variables with ${name} over the socket`, async () => {
        const agentsBefore = await server.prisma.agent.count();
        const socket = await openRawSocket(server);
        try {
          socket.send({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } });
          await socket.waitFor((message) => message.type === 'connection_ack');
          socket.send({
            id: 'm1',
            type: 'subscribe',
            payload: {
              query: 'mutation($name: String!) { createAgent(input: { name: $name, role: leader }) { agent { id } } }',
              variables,
            },
          });
          const result = await socket.waitFor((message) => message.id === 'm1');

          expect(result.type).toBe('error');
          expect((result.payload as any[])[0].extensions.code).toBe('validation_error');
          expect(await server.prisma.agent.count()).toBe(agentsBefore);
        } finally {
          socket.close();
        }
      });
    }

    for (const [name, payload, code] of [
      ['a syntax error', { query: '{' }, 'validation_error'],
      ['an unknown field', { query: '{ nope }' }, 'validation_error'],
      ['two operations without a name', { query: 'query A { __typename } query B { __typename }' }, 'validation_error'],
      ['an unknown operation name', { query: 'query A { __typename }', operationName: 'B' }, 'validation_error'],
    ] as const) {
      it(`answers ${name} with an error message and stays open`, async () => {
        const socket = await openRawSocket(server);
        try {
          socket.send({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } });
          await socket.waitFor((message) => message.type === 'connection_ack');
          socket.send({ id: 'bad', type: 'subscribe', payload });
          const error = await socket.waitFor((message) => message.id === 'bad');

          expect(error.type).toBe('error');
          const [first] = error.payload as { message: string; extensions: Record<string, unknown> }[];
          expect(first!.extensions).toEqual({ code, status: 400 });
          socket.send({ id: 'ok', type: 'subscribe', payload: { query: '{ __typename }' } });
          const next = await socket.waitFor((message) => message.id === 'ok');
          expect(next.payload).toEqual({ data: { __typename: 'Query' } });
        } finally {
          socket.close();
        }
      });
    }

    it('gives variable errors a code and no http extension', async () => {
      const socket = await openRawSocket(server);
      try {
        socket.send({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } });
        await socket.waitFor((message) => message.type === 'connection_ack');
        socket.send({
          id: 'v1',
          type: 'subscribe',
          payload: { query: 'query($n: Int) { agents(first: $n) { totalCount } }', variables: { n: 'ten' } },
        });
        const next = await socket.waitFor((message) => message.id === 'v1');

        expect((next.payload as any).errors[0].extensions).toEqual({ code: 'validation_error', status: 400 });
      } finally {
        socket.close();
      }
    });

    it('answers an operation after revocation with auth_required', async () => {
      const { account, key: doomed } = await createTestAccount(server);
      const socket = await openRawSocket(server);
      try {
        socket.send({ type: 'connection_init', payload: { authorization: `Bearer ${doomed}` } });
        await socket.waitFor((message) => message.type === 'connection_ack');
        await server.prisma.apiKey.updateMany({ where: { accountId: account.id }, data: { revokedAt: new Date() } });
        socket.send({ id: 'r1', type: 'subscribe', payload: { query: '{ agents { totalCount } }' } });
        const error = await socket.waitFor((message) => message.id === 'r1');

        expect(error.type).toBe('error');
        expect((error.payload as any[])[0].extensions.code).toBe('auth_required');
      } finally {
        socket.close();
      }
    });

    it('sends one error and no complete for an invalid subscription', async () => {
      const socket = await openRawSocket(server);
      try {
        socket.send({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } });
        await socket.waitFor((message) => message.type === 'connection_ack');
        socket.send({ id: 's1', type: 'subscribe', payload: { query: 'subscription { noSuchField }' } });
        const error = await socket.waitFor((message) => message.id === 's1');

        expect(error.type).toBe('error');
        expect(Array.isArray(error.payload)).toBe(true);
        expect((error.payload as unknown[]).length).toBeGreaterThan(0);
        expect((error.payload as { message: string }[])[0]!.message).not.toBe('');

        // A follow-up operation on the same socket proves the socket stayed open, and the
        // server handles messages in order, so a complete for s1 would have come first.
        socket.send({ id: 'q2', type: 'subscribe', payload: { query: '{ __typename }' } });
        await socket.waitFor((message) => message.id === 'q2' && message.type === 'complete');
        expect(socket.messages.filter((message) => message.id === 's1')).toEqual([error]);
      } finally {
        socket.close();
      }
    });
  });
});

describe('first start', () => {
  it.runIf(databaseKind === 'pglite')('prints a working key and how to make more', async () => {
    const server = await startServer();
    try {
      const key = /ak_test_\S+/.exec(server.banner)?.[0];
      expect(key).toBeDefined();
      expect((await call(server, 'GET', '/api/v1/agents', { token: key })).status).toBe(200);
      // The CLI cannot open the embedded database while the server has it open.
      expect(server.banner).toContain('createApiKey');
      expect(server.banner).toContain('stop it');
    } finally {
      await server.stop();
    }
  });
});

describe('streamed tool calls', () => {
  let model: ModelServer;
  let server: TestServer;
  let key: string;

  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    `data: ${JSON.stringify({
      id: 'c1',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'm',
      choices: [{ index: 0, delta, finish_reason: finish }],
    })}\n\n`;

  beforeAll(async () => {
    model = await startModelServer();
    server = await startServer({
      OPENAI_BASE_URL: model.baseUrl,
      LLM_DEFAULT_MODEL: 'test-model',
      LLM_MAX_RETRIES: '0',
      LLM_TIMEOUT_MS: '5000',
    });
    key = (await createTestAccount(server)).key;
  });
  afterAll(async () => {
    await server?.stop();
    await model?.close();
  });

  function stream(body: Record<string, unknown>) {
    return postAndReadStream(`${server.url}/api/v1/chat`, { ...body, stream: true }, { authorization: `Bearer ${key}` });
  }

  it('keeps parallel calls apart when deltas have no index', async () => {
    model.script(
      rawStream(
        chunk({
          role: 'assistant',
          tool_calls: [{ id: 'call_A', type: 'function', function: { name: 'hash', arguments: '{"input":"a"}' } }],
        }),
        chunk({
          tool_calls: [
            { id: 'call_B', type: 'function', function: { name: 'hash', arguments: '{"input":"b","algorithm":"md5"}' } },
          ],
        }),
        chunk({}, 'tool_calls'),
        'data: [DONE]\n\n',
      ),
      reply('Both hashed.'),
    );
    const response = await stream({ message: 'Hash a and b', tools: ['hash'] });

    const events = eventData(response.body) as { type: string }[];
    expect(events.filter((event) => event.type === 'error')).toEqual([]);
    expect(events.filter((event) => event.type === 'tool_start')).toHaveLength(2);
    const toolMessages = model.requests.at(-1)!.body.messages.filter((message: any) => message.role === 'tool');
    expect(toolMessages.map((message: any) => message.tool_call_id)).toEqual(['call_A', 'call_B']);
    expect(JSON.parse(toolMessages[0].content).algorithm).toBe('sha256');
    expect(JSON.parse(toolMessages[1].content).algorithm).toBe('md5');
    const assistant = model.requests.at(-1)!.body.messages.find((message: any) => message.role === 'assistant');
    expect(assistant.tool_calls.map((toolCall: any) => [toolCall.id, JSON.parse(toolCall.function.arguments)])).toEqual([
      ['call_A', { input: 'a' }],
      ['call_B', { input: 'b', algorithm: 'md5' }],
    ]);
  });

  it('replays a tool-call turn with null content', async () => {
    model.script(toolCalls([{ id: 'call_uuid', name: 'uuid_generate', arguments: '' }]), reply('Here is one.'));
    const first = await call(server, 'POST', '/api/v1/chat', {
      token: key,
      json: { message: 'A UUID please', tools: ['uuid_generate'] },
    });
    expect(first.status).toBe(200);
    const toolResult = model.requests.at(-1)!.body.messages.find((message: any) => message.role === 'tool');
    expect(JSON.parse(toolResult.content).error).toBeUndefined();

    model.script(reply('You asked for a UUID.'));
    const second = await call(server, 'POST', '/api/v1/chat', {
      token: key,
      json: { message: 'What did I ask?', conversation_id: first.body.data.conversation_id },
    });

    expect(second.status).toBe(200);
    const replayed = model.requests.at(-1)!.body.messages.find((message: any) => message.tool_calls !== undefined);
    expect(replayed.content).toBeNull();
    expect(replayed.tool_calls[0].id).toBe('call_uuid');
    expect(replayed.tool_calls[0].function.arguments).toBe('{}');
  });

  it('reads usage after an empty-choices preamble', async () => {
    model.script(
      rawStream(
        'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[]}\n\n',
        chunk({ role: 'assistant', content: 'Hel' }),
        chunk({ content: 'lo' }),
        chunk({}, 'stop'),
        'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":5,"total_tokens":17}}\n\n',
        'data: [DONE]\n\n',
      ),
    );
    const response = await stream({ message: 'Say hello' });

    const events = eventData(response.body) as { type: string; content?: string; conversation_id?: string }[];
    expect(events.filter((event) => event.type === 'error')).toEqual([]);
    expect(events.filter((event) => event.type === 'text').map((event) => event.content).join('')).toBe('Hello');
    expect(events.at(-1)).toBe('[DONE]');
    const done = events.find((event) => event.type === 'done')!;
    const list = await call(server, 'GET', '/api/v1/chat', { token: key });
    const conversation = (list.body.data as { id: string; tokens_used: number }[]).find(
      (entry) => entry.id === done.conversation_id,
    );
    expect(conversation?.tokens_used).toBe(17);
  });
});
