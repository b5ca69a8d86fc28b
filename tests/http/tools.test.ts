import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toolCategories } from '../../src/tools/categories.js';
import { startDnsServer, startHttpServer, type DnsPeer, type HttpPeer } from '../support/peers.js';
import { call, createTestAccount, graphql, startServer, type TestServer } from '../support/server.js';

describe('tool catalogue', () => {
  let server: TestServer;
  let dns: DnsPeer;
  let key: string;

  beforeAll(async () => {
    dns = await startDnsServer({ 'example.com': [{ type: 'A', value: '93.184.216.34', ttl: 300 }] });
    server = await startServer({ DNS_SERVERS: dns.server });
    key = (await createTestAccount(server, { account: { plan: 'professional' } })).key;
  });
  afterAll(async () => {
    await server.stop();
    await dns.close();
  });

  it('runs the dns_lookup example of the contract', async () => {
    const response = await call(server, 'POST', '/api/v1/tools/dns_lookup/execute', {
      token: key,
      json: { args: { domain: 'example.com', type: 'A' } },
    });
    expect(response.status).toBe(200);
    expect(response.body.data.tool).toBe('dns_lookup');
    expect(response.body.data.result).toEqual({ records: [{ type: 'A', value: '93.184.216.34', ttl: 300 }] });
    expect(response.body.data.credits_used).toBe(1);
    expect(Number.isInteger(response.body.data.execution_time_ms)).toBe(true);
  });

  it('applies schema defaults to arguments', async () => {
    const response = await call(server, 'POST', '/api/v1/tools/dns_lookup/execute', {
      token: key,
      json: { args: { domain: 'example.com' } },
    });
    expect(response.body.data.result.records[0].type).toBe('A');
  });

  it('serves the contract shape of a tool', async () => {
    const response = await call(server, 'GET', '/api/v1/tools/dns_lookup', { token: key });
    expect(response.status).toBe(200);
    expect(response.body.data).toMatchObject({
      name: 'dns_lookup',
      description: 'Look up DNS records for a domain',
      category: 'devops',
      tier: 'free',
      tags: ['dns', 'network', 'devops'],
    });
    expect(response.body.data.input_schema.required).toEqual(['domain']);
    expect(response.body.data.input_schema.properties.type.default).toBe('A');
  });

  it('counts tools in every category', async () => {
    const categories = await call(server, 'GET', '/api/v1/tools/categories', { token: key });
    expect(categories.status).toBe(200);
    expect(categories.body.data.map((category: { slug: string }) => category.slug)).toEqual(
      toolCategories.map((category) => category.slug),
    );
    let sum = 0;
    for (const category of categories.body.data as { slug: string; count: number }[]) {
      const listed = await call(server, 'GET', `/api/v1/tools?category=${category.slug}&per_page=1`, { token: key });
      expect(listed.body.meta.total, category.slug).toBe(category.count);
      expect(category.count, category.slug).toBeGreaterThan(0);
      sum += category.count;
    }
    const all = await call(server, 'GET', '/api/v1/tools?per_page=1', { token: key });
    expect(all.body.meta.total).toBe(sum);
    expect(sum).toBeGreaterThanOrEqual(60);
  });

  it('ranks the named tool first', async () => {
    const response = await call(server, 'GET', '/api/v1/tools?search=dns', { token: key });
    expect(response.body.data[0].name).toBe('dns_lookup');
  });

  it('finds a misspelt search', async () => {
    const response = await call(server, 'GET', '/api/v1/tools?q=dsn%20lookup', { token: key });
    expect(response.body.data.map((tool: { name: string }) => tool.name)).toContain('dns_lookup');
  });

  it('combines search with filters', async () => {
    const response = await call(server, 'GET', '/api/v1/tools?search=dns&category=devops&per_page=5', { token: key });
    expect(response.status).toBe(200);
    expect(response.body.meta.per_page).toBe(5);
    for (const tool of response.body.data as { category: string }[]) {
      expect(tool.category).toBe('devops');
    }
    const tier = await call(server, 'GET', '/api/v1/tools?tier=free&per_page=100', { token: key });
    for (const tool of tier.body.data as { tier: string }[]) {
      expect(tool.tier).toBe('free');
    }
  });

  it('pages through the catalogue without repeats', async () => {
    const seen = new Set<string>();
    const first = await call(server, 'GET', '/api/v1/tools?per_page=25', { token: key });
    const pages = first.body.meta.total_pages as number;
    for (let page = 1; page <= pages; page += 1) {
      const response = await call(server, 'GET', `/api/v1/tools?per_page=25&page=${page}`, { token: key });
      for (const tool of response.body.data as { name: string }[]) {
        expect(seen.has(tool.name), tool.name).toBe(false);
        seen.add(tool.name);
      }
    }
    expect(seen.size).toBe(first.body.meta.total);
    const past = await call(server, 'GET', `/api/v1/tools?per_page=25&page=${pages + 1}`, { token: key });
    expect(past.body.data).toEqual([]);
  });

  it('rejects invalid filters', async () => {
    for (const query of ['category=astrology', 'tier=platinum', 'page=0', 'per_page=101', 'per_page=abc', `search=${'x'.repeat(201)}`]) {
      const response = await call(server, 'GET', `/api/v1/tools?${query}`, { token: key });
      expect(response.status, query).toBe(400);
      expect(response.body.error.code, query).toBe('validation_error');
    }
  });

  it('reports every invalid argument', async () => {
    const cases: [unknown, string[]][] = [
      [{ domain: 42 }, ['args.domain']],
      [{}, ['args.domain']],
      [{ domain: 'example.com', extra: true }, ['args.extra']],
      [{ domain: 'example.com', type: 'SRV' }, ['args.type']],
      [{ domain: 7, type: 'SRV', extra: 1 }, ['args.domain', 'args.type', 'args.extra']],
    ];
    for (const [args, fields] of cases) {
      const response = await call(server, 'POST', '/api/v1/tools/dns_lookup/execute', { token: key, json: { args } });
      expect(response.status, JSON.stringify(args)).toBe(400);
      expect(response.body.error.code).toBe('validation_error');
      expect(response.body.error.details.map((detail: { field: string }) => detail.field).sort()).toEqual([...fields].sort());
    }
    const missingArgs = await call(server, 'POST', '/api/v1/tools/dns_lookup/execute', { token: key, json: {} });
    expect(missingArgs.status).toBe(400);
    expect(missingArgs.body.error.details[0].field).toBe('args');
    const notObject = await call(server, 'POST', '/api/v1/tools/dns_lookup/execute', { token: key, json: { args: [1] } });
    expect(notObject.status).toBe(400);
  });

  it('answers 404 for unknown tools', async () => {
    expect((await call(server, 'GET', '/api/v1/tools/no_such_tool', { token: key })).status).toBe(404);
    const run = await call(server, 'POST', '/api/v1/tools/no_such_tool/execute', { token: key, json: { args: {} } });
    expect(run.status).toBe(404);
    expect(run.body.error.code).toBe('resource_not_found');
  });

  it('needs the tools:execute scope to run', async () => {
    const reader = await createTestAccount(server, { key: { scopes: ['tools:read'] } });
    expect((await call(server, 'GET', '/api/v1/tools', { token: reader.key })).status).toBe(200);
    const run = await call(server, 'POST', '/api/v1/tools/dns_lookup/execute', {
      token: reader.key,
      json: { args: { domain: 'example.com' } },
    });
    expect(run.status).toBe(403);
    expect(run.body.error.code).toBe('insufficient_scope');
    expect(run.body.error.message).toContain('tools:execute');
    const runner = await createTestAccount(server, { key: { scopes: ['tools:execute'] } });
    expect((await call(server, 'GET', '/api/v1/tools', { token: runner.key })).status).toBe(403);
  });

  it('rejects tools above the plan', async () => {
    const cases: [plan: 'free' | 'starter' | 'professional', tier: string][] = [
      ['free', 'starter'],
      ['starter', 'pro'],
      ['professional', 'enterprise'],
    ];
    for (const [plan, tier] of cases) {
      const listed = await call(server, 'GET', `/api/v1/tools?tier=${tier}&per_page=1`, { token: key });
      const name = listed.body.data[0]?.name as string | undefined;
      expect(name, `the catalogue has a ${tier} tool`).toBeDefined();
      const caller = await createTestAccount(server, { account: { plan } });
      const run = await call(server, 'POST', `/api/v1/tools/${name}/execute`, { token: caller.key, json: { args: {} } });
      expect(run.status, `${plan} running ${tier}`).toBe(403);
      expect(run.body.error.code).toBe('plan_upgrade_required');
      expect(run.body.error.message).toContain(`${plan} plan`);
    }
  });

  it('records executions per account', async () => {
    const account = await createTestAccount(server);
    await call(server, 'POST', '/api/v1/tools/dns_lookup/execute', { token: account.key, json: { args: { domain: 'example.com' } } });
    await call(server, 'POST', '/api/v1/tools/dns_lookup/execute', { token: account.key, json: { args: { domain: 'missing.example.com' } } });
    await call(server, 'POST', '/api/v1/tools/dns_lookup/execute', { token: account.key, json: { args: { domain: 3 } } });
    const rows = await server.prisma.toolExecution.findMany({ where: { accountId: account.account.id }, orderBy: { id: 'asc' } });
    expect(rows.map((row) => [row.toolName, row.status, row.credits])).toEqual([
      ['dns_lookup', 'succeeded', 1],
      ['dns_lookup', 'failed', 0],
    ]);
  });

  it('offers the catalogue in GraphQL', async () => {
    const result = await graphql(
      server,
      `{ tools(search: "dns", first: 3) { totalCount edges { node { name category inputSchema } } }
         toolCategories { slug count } tool(name: "dns_lookup") { tier tags } }`,
      { token: key },
    );
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data.tools.edges[0].node.name).toBe('dns_lookup');
    expect(result.body.data.toolCategories).toHaveLength(toolCategories.length);
    expect(result.body.data.tool).toEqual({ tier: 'free', tags: ['dns', 'network', 'devops'] });

    const run = await graphql(
      server,
      'mutation { executeTool(input: { name: "dns_lookup", args: { domain: "example.com" } }) { tool result creditsUsed } }',
      { token: key },
    );
    expect(run.body.data.executeTool).toEqual({
      tool: 'dns_lookup',
      result: { records: [{ type: 'A', value: '93.184.216.34', ttl: 300 }] },
      creditsUsed: 1,
    });
    const invalid = await graphql(server, 'mutation { executeTool(input: { name: "dns_lookup", args: {} }) { tool } }', { token: key });
    expect(invalid.body.errors[0].extensions.code).toBe('validation_error');
    expect(invalid.body.errors[0].extensions.details[0].field).toBe('args.domain');
  });
});

describe('HTTP tools', () => {
  let server: TestServer;
  let guarded: TestServer;
  let peer: HttpPeer;
  let key: string;

  beforeAll(async () => {
    peer = await startHttpServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://peer');
      if (url.pathname.startsWith('/slow')) {
        setTimeout(() => response.end('{}'), 2_000);
        return;
      }
      if (url.pathname.startsWith('/broken')) {
        response.setHeader('content-type', 'application/json');
        response.end('{not json');
        return;
      }
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ method: request.method, path: url.pathname, query: url.search, auth: request.headers['x-api-key'] ?? null, body }));
      });
    });
    server = await startServer({ OUTBOUND_ALLOWED_CIDRS: '127.0.0.0/8', TOOL_TIMEOUT_MS: '500' });
    guarded = await startServer();
    key = (await createTestAccount(server)).key;
  });
  afterAll(async () => {
    await server.stop();
    await guarded.stop();
    await peer.close();
  });

  function registration(name: string, path: string, method = 'GET') {
    return {
      name,
      description: `Calls ${path} on the test peer`,
      category: 'networking',
      tags: ['test'],
      input_schema: {
        type: 'object',
        properties: { city: { type: 'string' }, units: { type: 'string', default: 'metric' } },
        required: ['city'],
        additionalProperties: false,
      },
      http: { method, url: `${peer.url}${path}/{city}`, headers: { 'x-api-key': 'secret-{units}' } },
    };
  }

  it('registers and runs a tool', async () => {
    const created = await call(server, 'POST', '/api/v1/tools', { token: key, json: registration('weather_lookup', '/weather') });
    expect(created.status).toBe(201);
    expect(created.body.data.kind).toBe('http');
    const run = await call(server, 'POST', '/api/v1/tools/weather_lookup/execute', { token: key, json: { args: { city: 'São Paulo' } } });
    expect(run.status).toBe(200);
    expect(run.body.data.result.status).toBe(200);
    expect(run.body.data.result.body).toEqual({
      method: 'GET',
      path: '/weather/S%C3%A3o%20Paulo',
      query: '',
      auth: 'secret-metric',
      body: '',
    });
  });

  it('sends unused arguments as a JSON body', async () => {
    await call(server, 'POST', '/api/v1/tools', { token: key, json: registration('weather_post', '/report', 'POST') });
    const run = await call(server, 'POST', '/api/v1/tools/weather_post/execute', { token: key, json: { args: { city: 'Oslo', units: 'imperial' } } });
    expect(run.body.data.result.body.body).toBe('{}');
    expect(run.body.data.result.body.auth).toBe('secret-imperial');
  });

  it('keeps tools within their account', async () => {
    const other = await createTestAccount(server);
    expect((await call(server, 'GET', '/api/v1/tools/weather_lookup', { token: other.key })).status).toBe(404);
    const search = await call(server, 'GET', '/api/v1/tools?search=weather', { token: other.key });
    expect(search.body.data).toEqual([]);
    const taken = await call(server, 'POST', '/api/v1/tools', { token: other.key, json: registration('weather_lookup', '/x') });
    expect(taken.status).toBe(409);
    expect((await call(server, 'DELETE', '/api/v1/tools/weather_lookup', { token: other.key })).status).toBe(404);
  });

  it('validates registrations', async () => {
    const invalidSchema = { ...registration('bad_schema', '/x'), input_schema: { type: 'object', properties: { a: { type: 'strin' } } } };
    const schemaError = await call(server, 'POST', '/api/v1/tools', { token: key, json: invalidSchema });
    expect(schemaError.status).toBe(400);
    expect(schemaError.body.error.details[0].field).toBe('input_schema');
    const unknownPlaceholder = { ...registration('bad_template', '/x'), http: { url: `${peer.url}/{missing}` } };
    expect((await call(server, 'POST', '/api/v1/tools', { token: key, json: unknownPlaceholder })).status).toBe(400);
    const badName = await call(server, 'POST', '/api/v1/tools', { token: key, json: registration('Bad-Name', '/x') });
    expect(badName.body.error.details[0].field).toBe('name');
    const builtin = await call(server, 'DELETE', '/api/v1/tools/dns_lookup', { token: key });
    expect(builtin.status).toBe(409);
  });

  it('times out slow tools and keeps serving', async () => {
    await call(server, 'POST', '/api/v1/tools', { token: key, json: registration('slow_tool', '/slow') });
    const run = await call(server, 'POST', '/api/v1/tools/slow_tool/execute', { token: key, json: { args: { city: 'x' } } });
    expect(run.status).toBe(504);
    expect(run.body.error.code).toBe('tool_timeout');
    expect((await call(server, 'GET', '/healthz')).status).toBe(200);
  });

  it('reports a failing tool clearly', async () => {
    await call(server, 'POST', '/api/v1/tools', { token: key, json: registration('broken_tool', '/broken') });
    const run = await call(server, 'POST', '/api/v1/tools/broken_tool/execute', { token: key, json: { args: { city: 'x' } } });
    expect(run.status).toBe(422);
    expect(run.body.error.code).toBe('tool_error');
    expect(run.body.error.message).toContain('does not parse');
  });

  it('refuses loopback unless the operator allows it', async () => {
    const owner = (await createTestAccount(guarded)).key;
    await call(guarded, 'POST', '/api/v1/tools', { token: owner, json: registration('guarded_tool', '/weather') });
    const before = peer.requests.length;
    const run = await call(guarded, 'POST', '/api/v1/tools/guarded_tool/execute', { token: owner, json: { args: { city: 'x' } } });
    expect(run.status).toBe(422);
    expect(run.body.error.message).toContain('OUTBOUND_ALLOWED_CIDRS');
    expect(peer.requests.length, 'no request reached the peer').toBe(before);
  });
});
