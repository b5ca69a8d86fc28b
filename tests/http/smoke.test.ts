import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTestAccount, startServer, type TestServer } from '../support/server.js';

describe('server start', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('answers health and readiness', async () => {
    expect((await call(server, 'GET', '/healthz')).status).toBe(200);
    const ready = await call(server, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready' });
  });

  it('creates and lists an agent', async () => {
    const { key } = await createTestAccount(server);
    const created = await call(server, 'POST', '/api/v1/agents', {
      token: key,
      json: { agent_name: 'Research Assistant', agent_role: 'specialist' },
    });
    expect(created.status).toBe(201);
    const list = await call(server, 'GET', '/api/v1/agents', { token: key });
    expect(list.body.data.map((agent: { id: number }) => agent.id)).toEqual([created.body.data.id]);
  });
});
