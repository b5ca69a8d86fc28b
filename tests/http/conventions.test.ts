import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  createTestAccount,
  createTestDatabase,
  databaseKind,
  graphql,
  startServer,
  type TestAccount,
  type TestServer,
} from '../support/server.js';

type Response = Awaited<ReturnType<typeof call>>;

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Body limit of the main test server, kept small so that oversized bodies stay cheap. */
const maxBodyBytes = 4096;

function expectError(response: Response, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  expect(Object.keys(response.body)).toEqual(['error']);
  expect(response.body.error.code).toBe(code);
  expect(response.body.error.status).toBe(status);
  expect(typeof response.body.error.message).toBe('string');
  expect(response.body.error.message).not.toBe('');
}

/** Patterns of stack traces, SQL and database internals, none of which may reach a client. */
const internalPatterns = [
  /\n\s+at /,
  /\.[cm]?[jt]s:\d+/,
  /node_modules/,
  /\b(SELECT|INSERT|UPDATE|DELETE FROM)\b/,
  /does not exist/,
  /prisma/i,
  /\bP\d{4}\b/,
  /agentgraph_test_/,
];

function expectNoInternals(text: string): void {
  for (const pattern of internalPatterns) {
    expect(text).not.toMatch(pattern);
  }
}

/** Wraps text in a stream, so that fetch sends it chunked, without `Content-Length`. */
function chunkedBody(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;

  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) {
        controller.close();

        return;
      }
      controller.enqueue(bytes.subarray(offset, offset + 1024));
      offset += 1024;
    },
  });
}

async function sendChunked(
  server: TestServer,
  path: string,
  text: string,
  token: string,
): Promise<{ status: number; headers: Headers; body: any }> {
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: chunkedBody(text),
    duplex: 'half',
  } as RequestInit);
  const body = (await response.json()) as unknown;

  return { status: response.status, headers: response.headers, body };
}

/**
 * Sends one HTTP/1.1 request over a raw socket and returns the status line, the headers
 * and every byte after them, so that a body the client library would drop still shows.
 */
async function rawRequest(
  server: TestServer,
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const { hostname, port } = new URL(server.url);
  const lines = [`${method} ${path} HTTP/1.1`, `Host: ${hostname}:${port}`, 'Connection: close'];
  for (const [name, value] of Object.entries(headers)) {
    lines.push(`${name}: ${value}`);
  }
  const socket = connect(Number(port), hostname);
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', resolve);
    socket.on('error', reject);
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  });
  const text = Buffer.concat(chunks).toString('utf8');
  const split = text.indexOf('\r\n\r\n');
  const [statusLine, ...headerLines] = text.slice(0, split).split('\r\n');
  const parsed: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    parsed[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }

  return {
    status: Number(statusLine?.split(' ')[1]),
    headers: parsed,
    body: text.slice(split + 4),
  };
}

/** Waits until the server has logged a line that matches, since it logs after responding. */
async function waitForLog(
  server: TestServer,
  matches: (line: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const line = server.logs.find(matches);
    if (line !== undefined) {
      return line;
    }
    if (Date.now() > deadline) {
      throw new Error('timed out waiting for a matching log line');
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('HTTP conventions', () => {
  let server: TestServer;
  let account: TestAccount;

  beforeAll(async () => {
    server = await startServer({ MAX_BODY_BYTES: String(maxBodyBytes) });
    account = await createTestAccount(server);
  });

  afterAll(async () => {
    await server.stop();
  });

  async function createAgent(): Promise<number> {
    const response = await call(server, 'POST', '/api/v1/agents', {
      token: account.key,
      json: { agent_name: 'Conventions', agent_role: 'generalist' },
    });
    expect(response.status).toBe(201);

    return response.body.data.id as number;
  }

  describe('request bodies', () => {
    const malformed = [
      'INVALID',
      '{"agent_name": "x",}',
      '{"agent_name": "x"',
      '{',
      "{'agent_name': 'x'}",
    ];

    for (const body of malformed) {
      it(`rejects malformed JSON ${JSON.stringify(body)}`, async () => {
        const response = await call(server, 'POST', '/api/v1/agents', {
          token: account.key,
          headers: { 'content-type': 'application/json' },
          body,
        });

        expectError(response, 400, 'validation_error');
        expect(response.body.error.message).toContain('not valid JSON');
        expectNoInternals(response.text);
      });
    }

    for (const body of ['[]', '[{"agent_name":"x"}]', 'null', '"text"', '42', 'true']) {
      it(`rejects the JSON body ${body}`, async () => {
        const response = await call(server, 'POST', '/api/v1/agents', {
          token: account.key,
          headers: { 'content-type': 'application/json' },
          body,
        });

        expectError(response, 400, 'validation_error');
        expect(response.body.error.message).toContain('JSON object');
      });
    }

    it('rejects an empty body on POST', async () => {
      for (const body of ['', '   ', undefined]) {
        const response = await call(server, 'POST', '/api/v1/agents', {
          token: account.key,
          headers: { 'content-type': 'application/json' },
          body,
        });

        expectError(response, 400, 'validation_error');
        expect(response.body.error.message).toContain('empty');
      }
    });

    it('rejects text/plain with 415', async () => {
      const response = await call(server, 'POST', '/api/v1/agents', {
        token: account.key,
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify({ agent_name: 'Plain', agent_role: 'leader' }),
      });

      expectError(response, 415, 'unsupported_media_type');
      expect(response.body.error.message).toContain('application/json');
      const list = await call(server, 'GET', '/api/v1/agents?per_page=100', { token: account.key });
      expect(list.body.data.map((agent: { agent_name: string }) => agent.agent_name)).not.toContain(
        'Plain',
      );
    });

    it('rejects other media types with 415', async () => {
      for (const type of [
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'text/json',
      ]) {
        const response = await call(server, 'POST', '/api/v1/agents', {
          token: account.key,
          headers: { 'content-type': type },
          body: '{"agent_name":"Bot","agent_role":"leader"}',
        });
        expectError(response, 415, 'unsupported_media_type');
      }
    });

    it('rejects missing Content-Type with 415', async () => {
      const response = await fetch(`${server.url}/api/v1/agents`, {
        method: 'POST',
        headers: { authorization: `Bearer ${account.key}` },
        body: new TextEncoder().encode('{"agent_name":"Bot","agent_role":"leader"}'),
      });

      expect(response.status).toBe(415);
      expect(((await response.json()) as any).error.code).toBe('unsupported_media_type');
    });

    it('accepts JSON media type variants', async () => {
      for (const type of [
        'application/json; charset=utf-8',
        'Application/JSON',
        'application/vnd.api+json',
      ]) {
        const response = await call(server, 'POST', '/api/v1/agents', {
          token: account.key,
          headers: { 'content-type': type },
          body: '{"agent_name":"Typed","agent_role":"leader"}',
        });
        expect(response.status).toBe(201);
      }
    });

    it('accepts a body of exactly the limit', async () => {
      const start = '{"agent_name":"Big","agent_role":"leader"';
      const body = `${start}${' '.repeat(maxBodyBytes - start.length - 1)}}`;
      expect(Buffer.byteLength(body)).toBe(maxBodyBytes);

      const response = await call(server, 'POST', '/api/v1/agents', {
        token: account.key,
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(response.status).toBe(201);
    });

    it('rejects one byte over with 413', async () => {
      const start = '{"agent_name":"Big","agent_role":"leader"';
      const body = `${start}${' '.repeat(maxBodyBytes - start.length)}}`;
      expect(Buffer.byteLength(body)).toBe(maxBodyBytes + 1);

      const response = await call(server, 'POST', '/api/v1/agents', {
        token: account.key,
        headers: { 'content-type': 'application/json' },
        body,
      });
      expectError(response, 413, 'payload_too_large');
      expect(response.body.error.message).toContain(String(maxBodyBytes));
      expectNoInternals(response.text);
    });

    it('rejects an oversized chunked body with 413', async () => {
      const body = JSON.stringify({
        agent_name: 'Chunked',
        agent_role: 'leader',
        task: 'x'.repeat(maxBodyBytes * 4),
      });
      const response = await sendChunked(server, '/api/v1/agents', body, account.key);

      expect(response.status).toBe(413);
      expect(response.body.error).toMatchObject({ code: 'payload_too_large', status: 413 });
    });

    it('counts bytes, not characters, against the limit', async () => {
      const body = JSON.stringify({
        agent_name: 'Wide',
        agent_role: 'leader',
        task: '€'.repeat(1500),
      });
      expect(body.length).toBeLessThan(maxBodyBytes);
      expect(Buffer.byteLength(body)).toBeGreaterThan(maxBodyBytes);

      expectError(
        await call(server, 'POST', '/api/v1/agents', {
          token: account.key,
          json: JSON.parse(body),
        }),
        413,
        'payload_too_large',
      );
    });

    it('rejects oversized PUT, deploy and execute bodies', async () => {
      const id = await createAgent();
      const big = { task: 'x'.repeat(maxBodyBytes) };
      for (const [method, path] of [
        ['PUT', `/api/v1/agents/${id}`],
        ['POST', `/api/v1/agents/${id}/deploy`],
        ['POST', `/api/v1/agents/${id}/execute`],
      ] as const) {
        expectError(
          await call(server, method, path, { token: account.key, json: big }),
          413,
          'payload_too_large',
        );
      }
    });

    it('rejects an oversized GraphQL request with 413', async () => {
      const query = `query { agents(first: 1) { totalCount } } # ${'x'.repeat(maxBodyBytes)}`;
      const declared = await graphql(server, query, { token: account.key });
      expect(declared.status).toBe(413);
      expect(declared.body.errors[0].extensions.code).toBe('payload_too_large');

      const chunked = await sendChunked(server, '/graphql', JSON.stringify({ query }), account.key);
      expect(chunked.status).toBe(413);
      expect(chunked.body.errors[0].extensions.code).toBe('payload_too_large');
    });

    it('rejects malformed GraphQL JSON with 400', async () => {
      const response = await call(server, 'POST', '/graphql', {
        token: account.key,
        headers: { 'content-type': 'application/json' },
        body: '{"query": ',
      });

      expect(response.status).toBe(400);
      expect(response.body.errors[0].extensions.code).toBe('validation_error');
    });

    it('keeps serving after rejected bodies', async () => {
      const response = await call(server, 'GET', '/api/v1/agents', { token: account.key });

      expect(response.status).toBe(200);
      expect((await call(server, 'GET', '/readyz')).status).toBe(200);
    });
  });

  describe('routing', () => {
    it('answers unknown paths with the 404 envelope', async () => {
      for (const path of [
        '/api/v1/nope',
        '/api/v1/agents/1/unknown',
        '/api/v2/agents',
        '/api/v1/agents/1/deploy/x',
      ]) {
        const response = await call(server, 'GET', path, { token: account.key });
        expectError(response, 404, 'resource_not_found');
        expect(response.body.error.message).toContain(path);
      }
    });

    it('answers unsupported methods with 405 and Allow', async () => {
      const cases: [string, string, string[]][] = [
        ['PUT', '/api/v1/agents', ['GET', 'HEAD', 'POST']],
        ['DELETE', '/api/v1/agents', ['GET', 'HEAD', 'POST']],
        ['PATCH', '/api/v1/agents', ['GET', 'HEAD', 'POST']],
        ['POST', '/api/v1/agents/1', ['DELETE', 'GET', 'HEAD', 'PUT']],
        ['PATCH', '/api/v1/agents/1', ['DELETE', 'GET', 'HEAD', 'PUT']],
        ['GET', '/api/v1/agents/1/deploy', ['POST']],
        ['PUT', '/api/v1/agents/1/execute', ['POST']],
      ];
      for (const [method, path, allowed] of cases) {
        const json = method === 'GET' ? undefined : {};
        const response = await call(server, method, path, { token: account.key, json });
        expectError(response, 405, 'method_not_allowed');
        const allow = (response.headers.get('allow') ?? '').split(',').map((entry) => entry.trim());
        for (const entry of allowed) {
          expect(allow).toContain(entry);
        }
        expect(allow).not.toContain(method);
        expect(response.body.error.message).toContain(method);
      }
    });
  });

  describe('HEAD', () => {
    it('matches GET without a body', async () => {
      const id = await createAgent();
      for (const path of ['/api/v1/agents', `/api/v1/agents/${id}`, '/api/v1/agents?page=2']) {
        const get = await call(server, 'GET', path, { token: account.key });
        const head = await rawRequest(server, 'HEAD', path, {
          Authorization: `Bearer ${account.key}`,
        });

        expect(head.status).toBe(200);
        expect(head.status).toBe(get.status);
        expect(head.headers['content-type']).toBe(get.headers.get('content-type'));
        expect(head.body).toBe('');
      }
    });

    it('sends 404 without a body', async () => {
      const head = await rawRequest(server, 'HEAD', '/api/v1/agents/2147483647', {
        Authorization: `Bearer ${account.key}`,
      });

      expect(head.status).toBe(404);
      expect(head.headers['content-type']).toMatch(/^application\/json/);
      expect(head.body).toBe('');
    });

    it('sends 401 without a body', async () => {
      const head = await rawRequest(server, 'HEAD', '/api/v1/agents');

      expect(head.status).toBe(401);
      expect(head.body).toBe('');
    });

    it('sends 400 without a body', async () => {
      const head = await rawRequest(server, 'HEAD', '/api/v1/agents?page=0', {
        Authorization: `Bearer ${account.key}`,
      });

      expect(head.status).toBe(400);
      expect(head.body).toBe('');
    });

    it('sends unknown-path 404 without a body', async () => {
      const head = await rawRequest(server, 'HEAD', '/api/v1/nope', {
        Authorization: `Bearer ${account.key}`,
      });

      expect(head.status).toBe(404);
      expect(head.body).toBe('');
    });

    it('sends 405 without a body', async () => {
      const head = await rawRequest(server, 'HEAD', '/api/v1/agents/1/deploy', {
        Authorization: `Bearer ${account.key}`,
      });

      expect(head.status).toBe(405);
      expect(head.headers.allow).toContain('POST');
      expect(head.body).toBe('');
    });
  });

  describe('request ids', () => {
    it('echoes a client request id', async () => {
      const response = await call(server, 'GET', '/api/v1/agents', {
        token: account.key,
        headers: { 'x-request-id': 'client-trace-0001' },
      });

      expect(response.headers.get('x-request-id')).toBe('client-trace-0001');
    });

    it('generates a UUID when none is sent', async () => {
      const first = await call(server, 'GET', '/api/v1/agents', { token: account.key });
      const second = await call(server, 'GET', '/api/v1/agents', { token: account.key });

      expect(first.headers.get('x-request-id')).toMatch(uuid);
      expect(second.headers.get('x-request-id')).toMatch(uuid);
      expect(first.headers.get('x-request-id')).not.toBe(second.headers.get('x-request-id'));
    });

    it('replaces unusable request ids', async () => {
      for (const value of ['has spaces in it', 'x'.repeat(129), 'semi;colon', 'quote"d']) {
        const response = await call(server, 'GET', '/api/v1/agents', {
          token: account.key,
          headers: { 'x-request-id': value },
        });
        expect(response.headers.get('x-request-id')).toMatch(uuid);
      }
    });

    it('sets request ids on every response', async () => {
      const responses = [
        await call(server, 'GET', '/api/v1/agents'),
        await call(server, 'GET', '/api/v1/nope', { token: account.key }),
        await call(server, 'PUT', '/api/v1/agents', { token: account.key, json: {} }),
        await graphql(server, '{ agents { totalCount } }', { token: account.key }),
        await call(server, 'GET', '/healthz'),
        await call(server, 'GET', '/readyz'),
      ];
      for (const response of responses) {
        expect(response.headers.get('x-request-id')).toMatch(uuid);
      }
    });

    it('logs the request id on every line', async () => {
      const requestId = 'log-trace-create-1';
      const created = await call(server, 'POST', '/api/v1/agents', {
        token: account.key,
        headers: { 'x-request-id': requestId },
        json: { agent_name: 'Logged', agent_role: 'leader' },
      });
      expect(created.status).toBe(201);

      const requestLine = await waitForLog(
        server,
        (line) => line.msg === 'request' && line.requestId === requestId,
      );
      expect(requestLine).toMatchObject({ method: 'POST', path: '/api/v1/agents', status: 201 });
      const createdLine = server.logs.find(
        (line) => line.msg === 'created agent' && line.agentId === created.body.data.id,
      );
      expect(createdLine?.requestId).toBe(requestId);
    });

    it('logs a generated request id', async () => {
      const response = await call(server, 'GET', '/api/v1/agents', { token: account.key });
      const requestId = response.headers.get('x-request-id');

      const line = await waitForLog(
        server,
        (entry) => entry.msg === 'request' && entry.requestId === requestId,
      );
      expect(line).toMatchObject({ method: 'GET', path: '/api/v1/agents', status: 200 });
    });

    it('logs GraphQL request ids', async () => {
      const requestId = 'log-trace-graphql-1';
      const response = await call(server, 'POST', '/graphql', {
        token: account.key,
        headers: { 'x-request-id': requestId },
        json: {
          query:
            'mutation { createAgent(input: { name: "Via GraphQL", role: leader }) { agent { databaseId } } }',
        },
      });
      expect(response.headers.get('x-request-id')).toBe(requestId);
      const agentId = response.body.data.createAgent.agent.databaseId as number;

      await waitForLog(server, (line) => line.msg === 'request' && line.requestId === requestId);
      const createdLine = server.logs.find(
        (line) => line.msg === 'created agent' && line.agentId === agentId,
      );
      expect(createdLine?.requestId).toBe(requestId);
    });
  });

  describe('internal errors', () => {
    it('masks and logs database faults', async () => {
      await createAgent();
      await server.prisma.$executeRawUnsafe('ALTER TABLE agents RENAME COLUMN task TO task_moved');
      try {
        const requestId = 'fault-trace-rest-1';
        const response = await call(server, 'GET', '/api/v1/agents', {
          token: account.key,
          headers: { 'x-request-id': requestId },
        });

        expectError(response, 500, 'internal_error');
        expect(response.headers.get('x-request-id')).toBe(requestId);
        expect(response.body.error.message).toContain(requestId);
        expectNoInternals(response.text);
        expect(response.text).not.toContain('task_moved');
        expect(response.text).not.toContain('does not exist');

        const logged = await waitForLog(
          server,
          (line) => line.requestId === requestId && line.level === 50,
        );
        expect(logged.err).toBeDefined();
        expect(JSON.stringify(logged.err)).toContain('task');

        const created = await call(server, 'POST', '/api/v1/agents', {
          token: account.key,
          json: { agent_name: 'Broken', agent_role: 'leader' },
        });
        expectError(created, 500, 'internal_error');
        expectNoInternals(created.text);
      } finally {
        await server.prisma.$executeRawUnsafe(
          'ALTER TABLE agents RENAME COLUMN task_moved TO task',
        );
      }

      expect((await call(server, 'GET', '/api/v1/agents', { token: account.key })).status).toBe(
        200,
      );
    });

    it('masks a database fault in GraphQL', async () => {
      await server.prisma.$executeRawUnsafe('ALTER TABLE agents RENAME COLUMN task TO task_moved');
      try {
        const requestId = 'fault-trace-graphql-1';
        const response = await call(server, 'POST', '/graphql', {
          token: account.key,
          headers: { 'x-request-id': requestId },
          json: { query: '{ agents(first: 5) { edges { node { name task } } } }' },
        });

        expect(response.body.errors).toHaveLength(1);
        const [error] = response.body.errors;
        expect(error.extensions.code).toBe('internal_error');
        expect(error.message).toContain(requestId);
        expectNoInternals(JSON.stringify(response.body));
        expect(response.text).not.toContain('task_moved');

        const logged = await waitForLog(
          server,
          (line) => line.requestId === requestId && line.level === 50,
        );
        expect(logged.err).toBeDefined();
      } finally {
        await server.prisma.$executeRawUnsafe(
          'ALTER TABLE agents RENAME COLUMN task_moved TO task',
        );
      }
    });
  });

  describe('database constraint errors', () => {
    it('maps unique violations to 409', async () => {
      // Agents have no unique column, so a partial index adds one for a single name.
      await server.prisma.$executeRawUnsafe(
        `CREATE UNIQUE INDEX agents_unique_probe ON agents (name) WHERE name = 'Unique Probe'`,
      );
      try {
        const body = { agent_name: 'Unique Probe', agent_role: 'leader' };
        const first = await call(server, 'POST', '/api/v1/agents', {
          token: account.key,
          json: body,
        });
        expect(first.status).toBe(201);

        const second = await call(server, 'POST', '/api/v1/agents', {
          token: account.key,
          json: body,
        });
        expectError(second, 409, 'conflict');
        expectNoInternals(second.text);
        expect(second.text).not.toContain('agents_unique_probe');

        const mutation = await graphql(
          server,
          'mutation { createAgent(input: { name: "Unique Probe", role: leader }) { agent { id } } }',
          { token: account.key },
        );
        expect(mutation.body.errors).toHaveLength(1);
        expect(mutation.body.errors[0].extensions.code).toBe('conflict');
        expectNoInternals(JSON.stringify(mutation.body.errors));
      } finally {
        await server.prisma.$executeRawUnsafe('DROP INDEX agents_unique_probe');
      }
    });
  });

  describe('readiness', () => {
    it('answers 503 while a migration is pending', async () => {
      await server.prisma.$executeRawUnsafe(
        'UPDATE "_prisma_migrations" SET rolled_back_at = now()',
      );
      try {
        const response = await call(server, 'GET', '/readyz');

        expect(response.status).toBe(503);
        expect(response.body.status).toBe('unavailable');
        expect(response.body.reason).toContain('pending migrations');
        expect((await call(server, 'GET', '/healthz')).status).toBe(200);
      } finally {
        await server.prisma.$executeRawUnsafe(
          'UPDATE "_prisma_migrations" SET rolled_back_at = NULL',
        );
      }

      expect((await call(server, 'GET', '/readyz')).status).toBe(200);
    });
  });
});

describe('CORS', () => {
  const allowedOrigin = 'https://app.example.com';
  const preflightHeaders = (origin: string) => ({
    origin,
    'access-control-request-method': 'POST',
    'access-control-request-headers': 'content-type, authorization',
  });
  let server: TestServer;
  let plain: TestServer;
  let account: TestAccount;

  beforeAll(async () => {
    [server, plain] = await Promise.all([
      startServer({ CORS_ORIGINS: allowedOrigin }),
      startServer(),
    ]);
    account = await createTestAccount(server);
  });

  afterAll(async () => {
    await Promise.all([server.stop(), plain.stop()]);
  });

  function listOf(header: string | null): string[] {
    return (header ?? '').split(',').map((entry) => entry.trim().toLowerCase());
  }

  for (const path of ['/api/v1/agents', '/api/v1/agents/1', '/graphql']) {
    it(`allows preflight on ${path}`, async () => {
      const response = await call(server, 'OPTIONS', path, {
        headers: preflightHeaders(allowedOrigin),
      });

      expect([200, 204]).toContain(response.status);
      expect(response.headers.get('access-control-allow-origin')).toBe(allowedOrigin);
      expect(response.headers.get('access-control-allow-credentials')).toBe('true');
      expect(listOf(response.headers.get('access-control-allow-methods'))).toContain('post');
      const allowedHeaders = listOf(response.headers.get('access-control-allow-headers'));
      expect(allowedHeaders).toContain('content-type');
      expect(allowedHeaders).toContain('authorization');
      expect(listOf(response.headers.get('vary'))).toContain('origin');
    });

    it(`denies other origins on ${path}`, async () => {
      for (const origin of [
        'https://evil.example.com',
        'http://app.example.com',
        'https://app.example.com.evil.example',
        'null',
      ]) {
        const response = await call(server, 'OPTIONS', path, { headers: preflightHeaders(origin) });
        expect(response.headers.get('access-control-allow-origin')).toBeNull();
        expect(response.headers.get('access-control-allow-credentials')).toBeNull();
      }
    });
  }

  it('grants allowed origins on responses', async () => {
    const ok = await call(server, 'GET', '/api/v1/agents', {
      token: account.key,
      headers: { origin: allowedOrigin },
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(allowedOrigin);
    expect(ok.headers.get('access-control-allow-credentials')).toBe('true');
    expect(listOf(ok.headers.get('vary'))).toContain('origin');
    expect(listOf(ok.headers.get('access-control-expose-headers'))).toContain('x-request-id');

    const unauthorized = await call(server, 'GET', '/api/v1/agents', {
      headers: { origin: allowedOrigin },
    });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get('access-control-allow-origin')).toBe(allowedOrigin);

    const query = await call(server, 'POST', '/graphql', {
      token: account.key,
      headers: { origin: allowedOrigin },
      json: { query: '{ agents { totalCount } }' },
    });
    expect(query.status).toBe(200);
    expect(query.headers.get('access-control-allow-origin')).toBe(allowedOrigin);
  });

  it('serves other origins without a CORS grant', async () => {
    const response = await call(server, 'GET', '/api/v1/agents', {
      token: account.key,
      headers: { origin: 'https://evil.example.com' },
    });

    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(listOf(response.headers.get('vary'))).toContain('origin');
  });

  it('sends no CORS headers without CORS_ORIGINS', async () => {
    const { key } = await createTestAccount(plain);
    const responses = [
      await call(plain, 'OPTIONS', '/api/v1/agents', { headers: preflightHeaders(allowedOrigin) }),
      await call(plain, 'OPTIONS', '/graphql', { headers: preflightHeaders(allowedOrigin) }),
      await call(plain, 'GET', '/api/v1/agents', {
        token: key,
        headers: { origin: allowedOrigin },
      }),
    ];
    for (const response of responses) {
      for (const name of response.headers.keys()) {
        expect(name).not.toMatch(/^access-control-/);
      }
    }
  });
});

/**
 * A TCP proxy in front of the test PostgreSQL server. Stopping it closes every connection
 * and refuses new ones, as a stopped database would; starting it listens on the same port.
 */
async function startDatabaseProxy(
  target: URL,
): Promise<{ port: number; stop(): Promise<void>; start(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const proxy = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      proxy.once('error', reject);
      proxy.listen(port, '127.0.0.1', () => {
        proxy.off('error', reject);
        resolve();
      });
    });
  await listen(0);
  const { port } = proxy.address() as AddressInfo;

  return {
    port,
    async stop() {
      const closed = new Promise<void>((resolve) => proxy.close(() => resolve()));
      for (const socket of sockets) {
        socket.destroy();
      }
      await closed;
    },
    start: () => listen(port),
  };
}

describe.runIf(databaseKind === 'postgres')('database outage', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let proxy: Awaited<ReturnType<typeof startDatabaseProxy>>;
  let server: TestServer;
  let account: TestAccount;

  beforeAll(async () => {
    database = await createTestDatabase();
    proxy = await startDatabaseProxy(new URL(database.url));
    const url = new URL(database.url);
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    server = await startServer({ DATABASE_URL: url.toString() });
    account = await createTestAccount(server);
  });

  afterAll(async () => {
    await server.stop();
    await proxy.stop();
    await database.drop();
  });

  it('answers 503 while the database is down', async () => {
    await proxy.stop();
    try {
      const ready = await call(server, 'GET', '/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body).toEqual({ status: 'unavailable', reason: 'database unreachable' });
      expect((await call(server, 'GET', '/healthz')).status).toBe(200);

      const requestId = 'outage-trace-1';
      const list = await call(server, 'GET', '/api/v1/agents', {
        token: account.key,
        headers: { 'x-request-id': requestId },
      });
      expectError(list, 503, 'service_unavailable');
      expect(list.headers.get('x-request-id')).toBe(requestId);
      expectNoInternals(list.text);
      const logged = await waitForLog(
        server,
        (line) => line.requestId === requestId && line.level === 50,
      );
      expect(logged.err).toBeDefined();

      const query = await graphql(server, '{ agents(first: 1) { totalCount } }', {
        token: account.key,
      });
      expect(query.body.errors[0].extensions.code).toBe('service_unavailable');
      expectNoInternals(JSON.stringify(query.body));
    } finally {
      await proxy.start();
    }

    expect((await call(server, 'GET', '/readyz')).status).toBe(200);
    expect((await call(server, 'GET', '/api/v1/agents', { token: account.key })).status).toBe(200);
  });
});
