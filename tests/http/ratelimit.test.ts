import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTestAccount, databaseKind, graphql, startServer, type TestServer } from '../support/server.js';

describe('rate limits', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ RATE_LIMITS: 'on' });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('admits exactly ten of 200 concurrent free-tier requests', async () => {
    const { key } = await createTestAccount(server, { account: { plan: 'free' } });
    const started = Math.floor(Date.now() / 1000);
    const responses = await Promise.all(
      Array.from({ length: 200 }, () => call(server, 'GET', '/api/v1/agents', { token: key })),
    );
    const finished = Math.ceil(Date.now() / 1000);
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(10);
    expect(statuses.filter((status) => status === 429)).toHaveLength(190);
    const refused = responses.find((response) => response.status === 429)!;
    expect(refused.body.error.code).toBe('rate_limit_exceeded');
    expect(refused.body.error.message).toContain('per-minute');
    const retryAfter = Number(refused.headers.get('retry-after'));
    const reset = Number(refused.headers.get('x-ratelimit-reset'));
    // The window frees its first slot a minute after the oldest admitted request, which
    // the server handled somewhere between `started` and `finished`.
    expect(reset).toBeGreaterThanOrEqual(started + 60);
    expect(reset).toBeLessThanOrEqual(finished + 60);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(reset - retryAfter).toBeGreaterThanOrEqual(started - 1);
    expect(reset - retryAfter).toBeLessThanOrEqual(finished + 1);
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(refused.headers.get('x-ratelimit-limit')).toBe('10');
  });

  it('counts the headers down', async () => {
    const { key } = await createTestAccount(server, { account: { plan: 'starter' } });
    const remaining: string[] = [];
    for (let index = 0; index < 5; index += 1) {
      const response = await call(server, 'GET', '/api/v1/agents', { token: key });
      expect(response.headers.get('x-ratelimit-limit')).toBe('30');
      remaining.push(response.headers.get('x-ratelimit-remaining')!);
    }
    expect(remaining).toEqual(['29', '28', '27', '26', '25']);
  });

  it('puts the headers on errors and GraphQL too', async () => {
    const { key } = await createTestAccount(server, { account: { plan: 'enterprise' } });
    const missing = await call(server, 'GET', '/api/v1/agents/999999', { token: key });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-ratelimit-limit')).toBe('200');
    const query = await graphql(server, '{ agents(first: 1) { totalCount } }', { token: key });
    expect(query.headers.get('x-ratelimit-remaining')).toBe('198');
    const anonymous = await call(server, 'GET', '/api/v1/agents');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('x-ratelimit-limit')).toBe('120');
  });

  it('refuses GraphQL operations over the limit', async () => {
    const { key } = await createTestAccount(server, { account: { plan: 'free' } });
    const results = [];
    for (let index = 0; index < 11; index += 1) {
      results.push(await graphql(server, '{ agents(first: 1) { totalCount } }', { token: key }));
    }
    expect(results.slice(0, 10).every((result) => result.status === 200)).toBe(true);
    expect(results[10]!.status).toBe(429);
    expect(results[10]!.body.errors[0].extensions.code).toBe('rate_limit_exceeded');
    expect(Number(results[10]!.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('keeps health checks outside the limits', async () => {
    for (let index = 0; index < 130; index += 1) {
      expect((await call(server, 'GET', '/healthz')).status).toBe(200);
    }
  });
});

// Two instances cannot share the embedded database, which one process owns at a time.
describe.skipIf(databaseKind === 'pglite')('rate limits shared in Redis', () => {
  let first: TestServer;
  let second: TestServer;
  beforeAll(async () => {
    const shared = { RATE_LIMITS: 'on', REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', REDIS_KEY_PREFIX: `agentgraph-test-${randomBytes(4).toString('hex')}:` };
    first = await startServer(shared);
    // The second instance uses the first one's database, as two replicas of one deployment do.
    second = await startServer({ ...shared, DATABASE_URL: first.config.databaseUrl! });
  });
  afterAll(async () => {
    await second.stop();
    await first.stop();
  });

  it('counts requests on both instances together', async () => {
    const { key } = await createTestAccount(first, { account: { plan: 'free' } });
    const started = Math.floor(Date.now() / 1000);
    const responses = await Promise.all(
      Array.from({ length: 200 }, (_, index) => call(index % 2 === 0 ? first : second, 'GET', '/api/v1/agents', { token: key })),
    );
    const finished = Math.ceil(Date.now() / 1000);
    expect(responses.filter((response) => response.status === 200)).toHaveLength(10);
    expect(responses.filter((response) => response.status === 429)).toHaveLength(190);
    for (const refused of responses.filter((response) => response.status === 429)) {
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(Number(refused.headers.get('x-ratelimit-reset'))).toBeGreaterThanOrEqual(started + 60);
      expect(Number(refused.headers.get('x-ratelimit-reset'))).toBeLessThanOrEqual(finished + 60);
    }
  });

  it('counts the headers down across instances', async () => {
    const { key } = await createTestAccount(first, { account: { plan: 'starter' } });
    const remaining: string[] = [];
    for (let index = 0; index < 6; index += 1) {
      const response = await call(index % 2 === 0 ? first : second, 'GET', '/api/v1/agents', { token: key });
      expect(response.status).toBe(200);
      remaining.push(response.headers.get('x-ratelimit-remaining')!);
    }
    expect(remaining).toEqual(['29', '28', '27', '26', '25', '24']);
  });
});

describe('rate limits without Redis', () => {
  // Nothing listens on port 1, so every Redis command fails at once.
  const deadRedis = { RATE_LIMITS: 'on', REDIS_URL: 'redis://127.0.0.1:1' };

  it('fails open by default', async () => {
    const server = await startServer(deadRedis);
    try {
      const { key } = await createTestAccount(server, { account: { plan: 'free' } });
      for (let index = 0; index < 12; index += 1) {
        expect((await call(server, 'GET', '/api/v1/agents', { token: key })).status).toBe(200);
      }
      expect(server.logs.some((line) => line.msg === 'rate limiter failed; requests fail open')).toBe(true);
    } finally {
      await server.stop();
    }
  });

  it('fails closed when configured', async () => {
    const server = await startServer({ ...deadRedis, RATE_LIMIT_FAILURE_MODE: 'closed' });
    try {
      const { key } = await createTestAccount(server);
      const response = await call(server, 'GET', '/api/v1/agents', { token: key });
      expect(response.status).toBe(503);
      expect(response.body.error.code).toBe('service_unavailable');
    } finally {
      await server.stop();
    }
  });
});

describe('usage', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('reports exact figures', async () => {
    const { key } = await createTestAccount(server, { account: { plan: 'professional' } });
    for (let index = 0; index < 7; index += 1) {
      await call(server, 'GET', '/api/v1/agents', { token: key });
    }
    const agent = await call(server, 'POST', '/api/v1/agents', { token: key, json: { agent_name: 'Meter', agent_role: 'leader' } });
    await call(server, 'POST', `/api/v1/agents/${agent.body.data.id}/deploy`, { token: key });
    for (let index = 0; index < 3; index += 1) {
      await call(server, 'POST', '/api/v1/tools/hash/execute', { token: key, json: { args: { input: `run ${index}` } } });
    }
    const usage = await call(server, 'GET', '/api/v1/usage', { token: key });
    expect(usage.status).toBe(200);
    const period = new Date().toISOString().slice(0, 7);
    // 7 lists, 1 create, 1 deploy, 3 tool runs and this request: 13 calls.
    expect(usage.body.data).toMatchObject({
      period,
      plan: 'professional',
      api_calls: { used: 13, limit: null },
      tools_executed: { used: 3, limit: null },
      agents_active: { used: 1, limit: 20 },
      fleets_active: { used: 0, limit: 10 },
      voice_minutes: { used: 0, limit: 500 },
      storage_mb: { limit: 5120 },
    });
    expect(Number.isInteger(usage.body.data.storage_mb.used)).toBe(true);

    const today = new Date().toISOString().slice(0, 10);
    const history = await call(server, 'GET', `/api/v1/usage/history?start_date=${today}&end_date=${today}`, { token: key });
    expect(history.body.data).toEqual([
      { date: today, resource_type: 'tools', count: 3 },
      { date: today, resource_type: 'agents', count: 1 },
      { date: today, resource_type: 'chat', count: 0 },
      { date: today, resource_type: 'voice', count: 0 },
    ]);
    expect(history.body.meta.total).toBe(4);
  });

  it('pages and filters history', async () => {
    const { key } = await createTestAccount(server);
    const history = await call(server, 'GET', '/api/v1/usage/history?start_date=2026-01-01&end_date=2026-01-31&resource_type=tools&per_page=10&page=4', { token: key });
    expect(history.status).toBe(200);
    expect(history.body.meta).toEqual({ total: 31, page: 4, per_page: 10, total_pages: 4 });
    expect(history.body.data).toEqual([{ date: '2026-01-31', resource_type: 'tools', count: 0 }]);
    const defaults = await call(server, 'GET', '/api/v1/usage/history', { token: key });
    expect(defaults.body.meta.total).toBe(120);
  });

  it('rejects invalid history ranges', async () => {
    const { key } = await createTestAccount(server);
    for (const query of ['start_date=2026-02-30', 'end_date=yesterday', 'start_date=2026-03-02&end_date=2026-03-01', 'resource_type=storage', 'start_date=2024-01-01&end_date=2026-01-01']) {
      const response = await call(server, 'GET', `/api/v1/usage/history?${query}`, { token: key });
      expect(response.status, query).toBe(400);
      expect(response.body.error.code, query).toBe('validation_error');
    }
  });

  it('keeps usage per account', async () => {
    const one = await createTestAccount(server);
    const two = await createTestAccount(server);
    await call(server, 'GET', '/api/v1/agents', { token: one.key });
    await call(server, 'GET', '/api/v1/agents', { token: one.key });
    const usage = await call(server, 'GET', '/api/v1/usage', { token: two.key });
    expect(usage.body.data.api_calls.used).toBe(1);
  });

  it('needs the usage:read scope', async () => {
    const { key } = await createTestAccount(server, { key: { scopes: ['agents:read'] } });
    const usage = await call(server, 'GET', '/api/v1/usage', { token: key });
    expect(usage.status).toBe(403);
    expect(usage.body.error.message).toContain('usage:read');
  });

  it('enforces the agent quota of the free plan', async () => {
    const { key } = await createTestAccount(server, { account: { plan: 'free' } });
    const created = await Promise.all(
      Array.from({ length: 6 }, (_, index) => call(server, 'POST', '/api/v1/agents', { token: key, json: { agent_name: `Agent ${index}`, agent_role: 'generalist' } })),
    );
    expect(created.filter((response) => response.status === 201)).toHaveLength(3);
    const refused = created.find((response) => response.status === 403)!;
    expect(refused.body.error.code).toBe('quota_exceeded');
    expect(refused.body.error.message).toContain('free plan allows 3 agents_active');
  });

  it('raises usage.threshold once at 80 and once at 100 percent', async () => {
    const { key, account } = await createTestAccount(server, { account: { plan: 'free' } });
    for (let index = 0; index < 4; index += 1) {
      await call(server, 'POST', '/api/v1/agents', { token: key, json: { agent_name: `Agent ${index}`, agent_role: 'generalist' } });
    }
    const events = await server.prisma.event.findMany({ where: { accountId: account.id, type: 'usage.threshold' }, orderBy: { createdAt: 'asc' } });
    expect(events.map((event) => (event.data as { threshold_percent: number }).threshold_percent)).toEqual([80, 100]);
    expect(events[1]!.data).toMatchObject({ metric: 'agents_active', used: 3, limit: 3 });
  });

  it('offers the summary in GraphQL', async () => {
    const { key } = await createTestAccount(server);
    const result = await graphql(server, '{ usage { period plan apiCalls { used limit } agentsActive { used limit } } usageHistory(resourceType: tools, first: 2) { totalCount edges { node { date resourceType count } } } }', { token: key });
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data.usage.plan).toBe('professional');
    expect(result.body.data.usage.apiCalls).toEqual({ used: 1, limit: null });
    expect(result.body.data.usageHistory.totalCount).toBe(30);
    expect(result.body.data.usageHistory.edges).toHaveLength(2);
  });
});
