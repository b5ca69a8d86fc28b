import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTestAccount, graphql, startServer, type TestServer } from '../support/server.js';

describe('text the database cannot store', () => {
  let server: TestServer;
  let key: string;
  beforeAll(async () => {
    server = await startServer();
    key = (await createTestAccount(server)).key;
  });
  afterAll(async () => {
    await server.stop();
  });

  it('rejects NUL and lone surrogates in REST bodies', async () => {
    for (const body of ['{"agent_name":"a\\u0000b","agent_role":"leader"}', '{"agent_name":"\\ud800","agent_role":"leader"}', '{"agent_name":"ok","agent_role":"leader","skills":["x\\u0000"]}']) {
      const response = await call(server, 'POST', '/api/v1/agents', { token: key, body, headers: { 'content-type': 'application/json' } });
      expect(response.status, body).toBe(400);
      expect(response.body.error.code).toBe('validation_error');
    }
  });

  it('rejects them in sign-in and token requests', async () => {
    const signIn = await call(server, 'POST', '/api/auth.php', { body: '{"email":"a\\u0000@b.c","password":"x"}', headers: { 'content-type': 'application/json' } });
    expect(signIn.status).toBe(400);
    const token = await call(server, 'POST', '/api/v1/oauth/token', {
      body: 'grant_type=client_credentials&client_id=oac_%00&client_secret=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(token.status).toBe(400);
  });

  it('rejects them in paths and queries', async () => {
    expect((await call(server, 'GET', '/api/v1/tools/dns%00', { token: key })).status).toBe(400);
    expect((await call(server, 'GET', '/api/v1/tools?search=%00', { token: key })).status).toBe(400);
  });

  it('rejects them in GraphQL', async () => {
    const literal = await graphql(server, 'mutation { createAgent(input: { name: "a\\u0000", role: leader }) { agent { id } } }', { token: key });
    expect(literal.status).toBe(400);
    expect(literal.body.errors[0].extensions.code).toBe('validation_error');
    const variables = await graphql(server, 'query ($name: String!) { tool(name: $name) { name } }', { token: key, variables: { name: 'dns\u0000' } });
    expect(variables.status).toBe(400);
  });
});
