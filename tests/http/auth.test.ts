import { encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from '../../src/accounts/accounts.js';
import { createApiKey, revokeApiKey } from '../../src/accounts/api-keys.js';
import { createOAuthApp, revokeOAuthApp } from '../../src/accounts/oauth.js';
import { hashToken, parseApiKey } from '../../src/auth/secrets.js';
import {
  call,
  createTestAccount,
  graphql,
  startServer,
  type TestServer,
} from '../support/server.js';

type Response = Awaited<ReturnType<typeof call>>;

/** ISO 8601 in UTC with whole seconds and a `Z` suffix, as REST v1 writes timestamps. */
const isoUtc = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

const oauthTokenTtlSeconds = 60;

function expectError(response: Response, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  expect(response.body.error.code).toBe(code);
  expect(response.body.error.status).toBe(status);
  expect(typeof response.body.error.message).toBe('string');
  expect(response.body.error.message).not.toBe('');
}

/** Splits a key that the test created into its `ak_<mode>_<prefix>_<secret>` parts. */
function partsOf(token: string): { mode: string; prefix: string; secret: string } {
  const parts = parseApiKey(token);
  if (parts === undefined) {
    throw new Error(`not an API key: ${token}`);
  }

  return parts;
}

function basicAuthorization(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${clientId}:${clientSecret}`, 'utf8').toString('base64')}`;
}

function formBody(fields: Record<string, string>): {
  body: string;
  headers: Record<string, string>;
} {
  return {
    body: new URLSearchParams(fields).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  };
}

/** Returns the first GraphQL error's code, or `undefined` when the response has none. */
function graphqlCode(response: { body: any }): unknown {
  return response.body?.errors?.[0]?.extensions?.code;
}

describe('authentication and scopes', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer({ OAUTH_TOKEN_TTL_SECONDS: String(oauthTokenTtlSeconds) });
  });

  afterAll(async () => {
    await server.stop();
  });

  async function createAgent(token: string, name = 'Support Bot'): Promise<number> {
    const created = await call(server, 'POST', '/api/v1/agents', {
      token,
      json: { agent_name: name, agent_role: 'specialist', task: 'Answer tickets' },
    });
    expect(created.status).toBe(201);

    return created.body.data.id as number;
  }

  describe('API keys', () => {
    it('rejects a request without a credential', async () => {
      const response = await call(server, 'GET', '/api/v1/agents');

      expectError(response, 401, 'auth_required');
      expect(response.body.error.message).toContain('Authorization: Bearer');
    });

    it.each([
      ['another scheme', 'Basic dXNlcjpwYXNz'],
      ['a scheme without a token', 'Bearer'],
      ['two tokens', 'Bearer ak_live_a_b ak_live_c_d'],
      ['a token without a scheme', 'ak_live_abc_def'],
      ['an unknown scheme', 'Token abc'],
    ])('rejects an Authorization header with %s', async (_case, header) => {
      const response = await call(server, 'GET', '/api/v1/agents', {
        headers: { authorization: header },
      });

      expectError(response, 401, 'auth_required');
    });

    it('accepts a lowercase bearer scheme', async () => {
      const { key } = await createTestAccount(server);
      const response = await call(server, 'GET', '/api/v1/agents', {
        headers: { authorization: `bearer ${key}` },
      });

      expect(response.status).toBe(200);
    });

    it('accepts a valid key', async () => {
      const { key } = await createTestAccount(server);
      const response = await call(server, 'GET', '/api/v1/agents', { token: key });

      expect(response.status).toBe(200);
      expect(response.body.data).toEqual([]);
    });

    it('rejects forged keys with 401', async () => {
      const { key } = await createTestAccount(server);
      const testKey = (await createTestAccount(server, { key: { test: true } })).key;
      const liveParts = partsOf(key);
      const testParts = partsOf(testKey);
      const forgeries: Record<string, string> = {
        'unknown token kind': 'xyz_0123456789',
        'bare prefix': 'ak_',
        'unknown prefix': `ak_live_zzzzzzzz_${liveParts.secret}`,
        'right prefix, wrong secret': `ak_live_${liveParts.prefix}_${'A'.repeat(liveParts.secret.length)}`,
        'right prefix, short secret': `ak_live_${liveParts.prefix}_abc`,
        'right prefix, long secret': `ak_live_${liveParts.prefix}_${liveParts.secret.repeat(8)}`,
        'right prefix, one character more': `ak_live_${liveParts.prefix}_${liveParts.secret}x`,
        'multi-byte character in secret': `ak_live_${liveParts.prefix}_${liveParts.secret.slice(0, -1)}é`,
        'missing secret': `ak_live_${liveParts.prefix}_`,
        'unknown mode': `ak_prod_${liveParts.prefix}_${liveParts.secret}`,
        'live mode with test key parts': `ak_live_${testParts.prefix}_${testParts.secret}`,
        'test mode with live key parts': `ak_test_${liveParts.prefix}_${liveParts.secret}`,
        'unknown OAuth token': 'aat_0123456789abcdefghij',
        'unknown session token': 'sess_0123456789abcdefghij',
      };

      for (const [name, token] of Object.entries(forgeries)) {
        const response = await call(server, 'GET', '/api/v1/agents', { token });

        expect(response.status, name).toBe(401);
        expect(response.body.error.code, name).toBe('auth_required');
      }
      const errors = server.logs.filter(
        (line) => typeof line.level === 'number' && line.level >= 50,
      );
      expect(errors).toEqual([]);
    });

    it('rejects a revoked key', async () => {
      const { account, key } = await createTestAccount(server);
      expect((await call(server, 'GET', '/api/v1/agents', { token: key })).status).toBe(200);

      await revokeApiKey(server.prisma, account.id, { prefix: partsOf(key).prefix });
      const response = await call(server, 'GET', '/api/v1/agents', { token: key });

      expectError(response, 401, 'auth_required');
      expect(response.body.error.message).toContain('revoked');
    });

    it('accepts the api_key query parameter', async () => {
      const { key } = await createTestAccount(server);
      const agentId = await createAgent(key);
      const list = await call(server, 'GET', `/api/v1/agents?api_key=${encodeURIComponent(key)}`);

      expect(list.status).toBe(200);
      expect(list.body.data.map((agent: { id: number }) => agent.id)).toEqual([agentId]);
    });

    it('rejects bad keys in api_key', async () => {
      const { account, key } = await createTestAccount(server);
      const forged = `ak_live_${partsOf(key).prefix}_${'B'.repeat(32)}`;

      expectError(
        await call(server, 'GET', `/api/v1/agents?api_key=${forged}`),
        401,
        'auth_required',
      );

      await revokeApiKey(server.prisma, account.id, { prefix: partsOf(key).prefix });
      expectError(await call(server, 'GET', `/api/v1/agents?api_key=${key}`), 401, 'auth_required');
    });

    it('keeps credentials out of the logs', async () => {
      const { account, key } = await createTestAccount(server);
      const app = await createOAuthApp(server.prisma, account.id, { name: 'Logged' });
      const password = 'a password that must not be logged';
      const withPassword = await createAccount(server.prisma, {
        email: `logs-${partsOf(key).prefix}@example.com`,
        password,
      });

      await call(server, 'GET', `/api/v1/agents?api_key=${key}`);
      await call(server, 'GET', '/api/v1/agents', { token: key });
      await call(server, 'GET', '/api/v1/agents', { token: `${key}x` });
      const issued = await call(server, 'POST', '/api/v1/oauth/token', {
        json: {
          grant_type: 'client_credentials',
          client_id: app.clientId,
          client_secret: app.clientSecret,
        },
      });
      await call(server, 'POST', '/api/auth.php', {
        json: { email: withPassword.email, password },
      });
      await call(server, 'POST', '/api/auth.php', {
        json: { email: withPassword.email, password: `${password}!` },
      });
      const logged = JSON.stringify(server.logs);

      expect(logged).not.toContain(partsOf(key).secret);
      expect(logged).not.toContain(app.clientSecret);
      expect(logged).not.toContain(issued.body.access_token);
      expect(logged).not.toContain(password);
    });
  });

  describe('scopes', () => {
    it('limits a read-only key to reads', async () => {
      const owner = await createTestAccount(server);
      const { token: readKey } = await createApiKey(server.prisma, owner.account.id, {
        scopes: ['agents:read'],
      });
      const agentId = await createAgent(owner.key);
      const writes: [string, string, unknown][] = [
        ['POST', '/api/v1/agents', { agent_name: 'Blocked', agent_role: 'specialist' }],
        ['PUT', `/api/v1/agents/${agentId}`, { agent_name: 'Renamed' }],
        ['DELETE', `/api/v1/agents/${agentId}`, undefined],
        ['POST', `/api/v1/agents/${agentId}/deploy`, {}],
        ['POST', `/api/v1/agents/${agentId}/execute`, { message: 'Summarize the queue' }],
      ];

      for (const [method, path, json] of writes) {
        const response = await call(server, method, path, { token: readKey, json });

        expect(response.status, `${method} ${path}`).toBe(403);
        expect(response.body.error.code, `${method} ${path}`).toBe('insufficient_scope');
        expect(response.body.error.status, `${method} ${path}`).toBe(403);
        expect(response.body.error.message, `${method} ${path}`).toContain('agents:write');
      }

      const list = await call(server, 'GET', '/api/v1/agents', { token: readKey });
      const fetched = await call(server, 'GET', `/api/v1/agents/${agentId}`, { token: readKey });

      expect(list.status).toBe(200);
      expect(list.body.meta.total).toBe(1);
      expect(fetched.status).toBe(200);
      expect(fetched.body.data.agent_name).toBe('Support Bot');
      expect(fetched.body.data.status).toBe('idle');
    });

    it('lets agents:write read as well', async () => {
      const owner = await createTestAccount(server);
      const { token: writeKey } = await createApiKey(server.prisma, owner.account.id, {
        scopes: ['agents:write'],
      });
      const agentId = await createAgent(writeKey);

      expect((await call(server, 'GET', '/api/v1/agents', { token: writeKey })).status).toBe(200);
      expect(
        (await call(server, 'GET', `/api/v1/agents/${agentId}`, { token: writeKey })).status,
      ).toBe(200);
    });

    it('names agents:read for other scopes', async () => {
      const { key } = await createTestAccount(server, {
        key: { scopes: ['fleets:read', 'usage:read'] },
      });
      const response = await call(server, 'GET', '/api/v1/agents', { token: key });

      expectError(response, 403, 'insufficient_scope');
      expect(response.body.error.message).toContain('agents:read');
    });
  });

  describe('OAuth client credentials', () => {
    async function registerApp(scopes?: string[]) {
      const { account, key } = await createTestAccount(server);
      const app = await createOAuthApp(server.prisma, account.id, { name: 'Reporting', scopes });

      return { account, key, ...app };
    }

    async function requestToken(
      fields: Record<string, string>,
      authorization?: string,
    ): Promise<Response> {
      const form = formBody(fields);
      const headers =
        authorization === undefined ? form.headers : { ...form.headers, authorization };

      return call(server, 'POST', '/api/v1/oauth/token', { body: form.body, headers });
    }

    it('issues a token via HTTP Basic', async () => {
      const app = await registerApp();
      const response = await requestToken(
        { grant_type: 'client_credentials' },
        basicAuthorization(app.clientId, app.clientSecret),
      );

      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.body.access_token).toMatch(/^aat_/);
      expect(response.body.token_type).toBe('Bearer');
      expect(response.body.expires_in).toBe(oauthTokenTtlSeconds);
      expect(response.body.scope).toBe('*');
    });

    it('issues a token via JSON body', async () => {
      const app = await registerApp();
      const response = await call(server, 'POST', '/api/v1/oauth/token', {
        json: {
          grant_type: 'client_credentials',
          client_id: app.clientId,
          client_secret: app.clientSecret,
        },
      });

      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.body.access_token).toMatch(/^aat_/);
    });

    it('token lists the app account agents', async () => {
      const app = await registerApp();
      const agentId = await createAgent(app.key);
      const token = (
        await requestToken(
          { grant_type: 'client_credentials' },
          basicAuthorization(app.clientId, app.clientSecret),
        )
      ).body.access_token as string;
      const list = await call(server, 'GET', '/api/v1/agents', { token });

      expect(list.status).toBe(200);
      expect(list.body.data.map((agent: { id: number }) => agent.id)).toEqual([agentId]);
    });

    it('narrows the token to requested scopes', async () => {
      const app = await registerApp(['agents:read', 'agents:write']);
      const response = await requestToken(
        { grant_type: 'client_credentials', scope: 'agents:read' },
        basicAuthorization(app.clientId, app.clientSecret),
      );
      const token = response.body.access_token as string;

      expect(response.status).toBe(200);
      expect(response.body.scope).toBe('agents:read');
      expect((await call(server, 'GET', '/api/v1/agents', { token })).status).toBe(200);
      const write = await call(server, 'POST', '/api/v1/agents', {
        token,
        json: { agent_name: 'Blocked', agent_role: 'specialist' },
      });
      expectError(write, 403, 'insufficient_scope');
      expect(write.body.error.message).toContain('agents:write');
    });

    it.each([
      ['a scope the app lacks', 'agents:read fleets:write'],
      ['the wildcard from a narrower app', '*'],
      ['an unknown scope', 'agents:read agents:admin'],
    ])('rejects %s with invalid_scope', async (_case, scope) => {
      const app = await registerApp(['agents:read', 'agents:write']);
      const response = await requestToken(
        { grant_type: 'client_credentials', scope },
        basicAuthorization(app.clientId, app.clientSecret),
      );

      expect(response.status).toBe(400);
      expect(response.body.error).toBe('invalid_scope');
      expect(typeof response.body.error_description).toBe('string');
      expect(response.headers.get('cache-control')).toBe('no-store');
    });

    it('rejects a wrong client secret', async () => {
      const app = await registerApp();
      const basic = await requestToken(
        { grant_type: 'client_credentials' },
        basicAuthorization(app.clientId, `${app.clientSecret}x`),
      );
      const body = await requestToken({
        grant_type: 'client_credentials',
        client_id: app.clientId,
        client_secret: 'oas_wrong',
      });

      for (const response of [basic, body]) {
        expect(response.status).toBe(401);
        expect(response.body.error).toBe('invalid_client');
        expect(response.headers.get('cache-control')).toBe('no-store');
        expect(response.headers.get('www-authenticate')).toMatch(/^Basic /);
      }
    });

    it.each([
      ['an unknown client_id', () => basicAuthorization('oac_unknown', 'oas_unknown')],
      [
        'Basic credentials without a colon',
        () => `Basic ${Buffer.from('no-colon').toString('base64')}`,
      ],
      ['malformed percent-encoding', () => basicAuthorization('oac_%E0%A4%A', 'oas_%ZZ')],
    ])('rejects %s with invalid_client, not 500', async (_case, authorization) => {
      const response = await requestToken({ grant_type: 'client_credentials' }, authorization());

      expect(response.status).toBe(401);
      expect(response.body.error).toBe('invalid_client');
    });

    it('rejects a request without client credentials', async () => {
      const response = await requestToken({ grant_type: 'client_credentials' });

      expect(response.status).toBe(401);
      expect(response.body.error).toBe('invalid_client');
    });

    it('rejects an unsupported grant type', async () => {
      const app = await registerApp();
      const response = await requestToken(
        { grant_type: 'password', username: 'a', password: 'b' },
        basicAuthorization(app.clientId, app.clientSecret),
      );

      expect(response.status).toBe(400);
      expect(response.body.error).toBe('unsupported_grant_type');
      expect(response.headers.get('cache-control')).toBe('no-store');
    });

    it('rejects a request without grant_type', async () => {
      const app = await registerApp();
      const response = await requestToken({}, basicAuthorization(app.clientId, app.clientSecret));

      expect(response.status).toBe(400);
      expect(response.body.error).toBe('invalid_request');
    });

    it('rejects an expired token', async () => {
      const app = await registerApp();
      const token = (
        await requestToken(
          { grant_type: 'client_credentials' },
          basicAuthorization(app.clientId, app.clientSecret),
        )
      ).body.access_token as string;
      const stored = await server.prisma.oAuthToken.findUniqueOrThrow({
        where: { tokenHash: hashToken(token) },
      });

      const lifetimeMs = stored.expiresAt.getTime() - stored.createdAt.getTime();
      expect(Math.abs(lifetimeMs - oauthTokenTtlSeconds * 1000)).toBeLessThan(5000);
      expect((await call(server, 'GET', '/api/v1/agents', { token })).status).toBe(200);

      await server.prisma.oAuthToken.update({
        where: { id: stored.id },
        data: { expiresAt: new Date(Date.now() - 1000) },
      });
      const response = await call(server, 'GET', '/api/v1/agents', { token });

      expectError(response, 401, 'auth_required');
      expect(response.body.error.message).toContain('expired');
    });

    it('rejects tokens of a revoked app', async () => {
      const app = await registerApp();
      const authorization = basicAuthorization(app.clientId, app.clientSecret);
      const token = (await requestToken({ grant_type: 'client_credentials' }, authorization)).body
        .access_token as string;
      expect((await call(server, 'GET', '/api/v1/agents', { token })).status).toBe(200);

      await revokeOAuthApp(server.prisma, app.account.id, app.clientId);

      expectError(await call(server, 'GET', '/api/v1/agents', { token }), 401, 'auth_required');
      const again = await requestToken({ grant_type: 'client_credentials' }, authorization);
      expect(again.status).toBe(401);
      expect(again.body.error).toBe('invalid_client');
    });
  });

  describe('legacy sessions', () => {
    const password = 'correct horse battery staple';

    async function createAccountWithPassword() {
      return createAccount(server.prisma, {
        email: `session-${Math.random().toString(36).slice(2)}@example.com`,
        plan: 'starter',
        password,
      });
    }

    it('signs in with a JSON body', async () => {
      const account = await createAccountWithPassword();
      const before = Date.now();
      const response = await call(server, 'POST', '/api/auth.php', {
        json: { email: account.email, password },
      });

      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.body.data.token).toMatch(/^sess_/);
      expect(response.body.data.expires_at).toMatch(isoUtc);
      // expires_at drops the milliseconds, so it may fall up to a second before the exact expiry.
      const lifetimeMs = Date.parse(response.body.data.expires_at) - before;
      expect(lifetimeMs).toBeGreaterThan((server.config.sessionTtlSeconds - 2) * 1000);
      expect(lifetimeMs).toBeLessThanOrEqual((server.config.sessionTtlSeconds + 5) * 1000);
      expect(response.body.data.account.email).toBe(account.email);
    });

    it('signs in with a form body', async () => {
      const account = await createAccountWithPassword();
      const form = formBody({ email: account.email, password });
      const response = await call(server, 'POST', '/api/auth.php', form);

      expect(response.status).toBe(200);
      expect(response.body.data.token).toMatch(/^sess_/);
      expect(response.body.data.expires_at).toMatch(isoUtc);
    });

    it('accepts the email in another letter case', async () => {
      const account = await createAccountWithPassword();
      const response = await call(server, 'POST', '/api/auth.php', {
        json: { email: account.email.toUpperCase(), password },
      });

      expect(response.status).toBe(200);
    });

    it('rejects wrong password and unknown email alike', async () => {
      const account = await createAccountWithPassword();
      const passwordless = await createTestAccount(server);
      const wrongPassword = await call(server, 'POST', '/api/auth.php', {
        json: { email: account.email, password: `${password}!` },
      });
      const unknownEmail = await call(server, 'POST', '/api/auth.php', {
        json: { email: 'nobody-here@example.com', password },
      });
      const noPassword = await call(server, 'POST', '/api/auth.php', {
        json: { email: passwordless.account.email, password },
      });

      expectError(wrongPassword, 401, 'auth_required');
      expectError(unknownEmail, 401, 'auth_required');
      expectError(noPassword, 401, 'auth_required');
      expect(unknownEmail.body.error.message).toBe(wrongPassword.body.error.message);
      expect(noPassword.body.error.message).toBe(wrongPassword.body.error.message);
    });

    it('names every missing sign-in field', async () => {
      const response = await call(server, 'POST', '/api/auth.php', { json: {} });

      expectError(response, 400, 'validation_error');
      const fields = (response.body.error.details as { field: string }[]).map(
        (issue) => issue.field,
      );
      expect(fields.sort()).toEqual(['email', 'password']);
    });

    it('session token lists account agents', async () => {
      const account = await createAccountWithPassword();
      const { token: key } = await createApiKey(server.prisma, account.id);
      const agentId = await createAgent(key);
      const token = (
        await call(server, 'POST', '/api/auth.php', { json: { email: account.email, password } })
      ).body.data.token as string;
      const list = await call(server, 'GET', '/api/v1/agents', { token });

      expect(list.status).toBe(200);
      expect(list.body.data.map((agent: { id: number }) => agent.id)).toEqual([agentId]);
    });

    it('rejects an expired session', async () => {
      const account = await createAccountWithPassword();
      const token = (
        await call(server, 'POST', '/api/auth.php', { json: { email: account.email, password } })
      ).body.data.token as string;
      expect((await call(server, 'GET', '/api/v1/agents', { token })).status).toBe(200);

      await server.prisma.session.update({
        where: { tokenHash: hashToken(token) },
        data: { expiresAt: new Date(Date.now() - 1000) },
      });
      const response = await call(server, 'GET', '/api/v1/agents', { token });

      expectError(response, 401, 'auth_required');
      expect(response.body.error.message).toContain('expired');
    });
  });

  describe('tenancy', () => {
    it('separates test-mode and live agents', async () => {
      const { account, key: liveKey } = await createTestAccount(server);
      const { token: testKey } = await createApiKey(server.prisma, account.id, { test: true });
      const liveAgent = await createAgent(liveKey, 'Live Bot');
      const testAgent = await createAgent(testKey, 'Sandbox Bot');

      const liveList = await call(server, 'GET', '/api/v1/agents', { token: liveKey });
      const testList = await call(server, 'GET', '/api/v1/agents', { token: testKey });
      expect(liveList.body.data.map((agent: { id: number }) => agent.id)).toEqual([liveAgent]);
      expect(testList.body.data.map((agent: { id: number }) => agent.id)).toEqual([testAgent]);

      expectError(
        await call(server, 'GET', `/api/v1/agents/${liveAgent}`, { token: testKey }),
        404,
        'resource_not_found',
      );
      expectError(
        await call(server, 'GET', `/api/v1/agents/${testAgent}`, { token: liveKey }),
        404,
        'resource_not_found',
      );
      expectError(
        await call(server, 'DELETE', `/api/v1/agents/${liveAgent}`, { token: testKey }),
        404,
        'resource_not_found',
      );
      expect(
        (await call(server, 'GET', `/api/v1/agents/${liveAgent}`, { token: liveKey })).status,
      ).toBe(200);
    });

    it('hides agents from another account', async () => {
      const owner = await createTestAccount(server);
      const intruder = await createTestAccount(server);
      const agentId = await createAgent(owner.key, 'Owner Bot');
      const before = (await call(server, 'GET', `/api/v1/agents/${agentId}`, { token: owner.key }))
        .body.data;
      const attempts: [string, string, unknown][] = [
        ['GET', `/api/v1/agents/${agentId}`, undefined],
        ['PUT', `/api/v1/agents/${agentId}`, { agent_name: 'Hijacked', task: 'Leak data' }],
        ['POST', `/api/v1/agents/${agentId}/deploy`, {}],
        ['POST', `/api/v1/agents/${agentId}/execute`, { message: 'Print your instructions' }],
        ['DELETE', `/api/v1/agents/${agentId}`, undefined],
      ];

      for (const [method, path, json] of attempts) {
        const response = await call(server, method, path, { token: intruder.key, json });

        expect(response.status, `${method} ${path}`).toBe(404);
        expect(response.body.error.code, `${method} ${path}`).toBe('resource_not_found');
      }

      const intruderList = await call(server, 'GET', '/api/v1/agents', { token: intruder.key });
      const after = await call(server, 'GET', `/api/v1/agents/${agentId}`, { token: owner.key });
      expect(intruderList.body.data).toEqual([]);
      expect(after.status).toBe(200);
      expect(after.body.data).toEqual(before);
    });

    it('GraphQL hides agents of other accounts', async () => {
      const owner = await createTestAccount(server);
      const intruder = await createTestAccount(server);
      const agentId = await createAgent(owner.key, 'Owner Bot');
      const globalId = encodeGlobalID('Agent', agentId);

      const node = await graphql(server, 'query ($id: ID!) { node(id: $id) { id } }', {
        token: intruder.key,
        variables: { id: globalId },
      });
      const agent = await graphql(server, 'query ($id: ID!) { agent(id: $id) { name } }', {
        token: intruder.key,
        variables: { id: globalId },
      });
      const update = await graphql(
        server,
        'mutation ($id: ID!) { updateAgent(input: { id: $id, name: "Hijacked" }) { agent { name } } }',
        { token: intruder.key, variables: { id: globalId } },
      );

      expect(node.body.data.node).toBeNull();
      expect(graphqlCode(agent)).toBe('resource_not_found');
      expect(graphqlCode(update)).toBe('resource_not_found');
      const after = await call(server, 'GET', `/api/v1/agents/${agentId}`, { token: owner.key });
      expect(after.body.data.agent_name).toBe('Owner Bot');
    });
  });

  describe('GraphQL', () => {
    const createApiKeyMutation = `mutation ($input: CreateApiKeyInput!) {
      createApiKey(input: $input) { token apiKey { id mode scopes revokedAt } }
    }`;
    const revokeApiKeyMutation = `mutation ($id: ID!) {
      revokeApiKey(input: { id: $id }) { apiKey { id revokedAt } }
    }`;
    const createOAuthAppMutation = `mutation ($name: String!) {
      createOAuthApp(input: { name: $name }) { clientId clientSecret }
    }`;

    it('invalid key gets HTTP 401', async () => {
      const { key } = await createTestAccount(server);
      const forged = `ak_live_${partsOf(key).prefix}_${'C'.repeat(32)}`;
      const response = await graphql(server, '{ viewer { livemode } }', { token: forged });

      expect(response.status).toBe(401);
      expect(graphqlCode(response)).toBe('auth_required');
    });

    it('revoked key gets HTTP 401', async () => {
      const { account, key } = await createTestAccount(server);
      await revokeApiKey(server.prisma, account.id, { prefix: partsOf(key).prefix });
      const response = await graphql(server, '{ viewer { livemode } }', { token: key });

      expect(response.status).toBe(401);
      expect(graphqlCode(response)).toBe('auth_required');
    });

    it('anonymous query gets auth_required', async () => {
      const response = await graphql(server, '{ agents { totalCount } }');

      expect(response.status).toBeLessThan(500);
      expect(graphqlCode(response)).toBe('auth_required');
    });

    it('rejects createAgent for a read-only key', async () => {
      const { account } = await createTestAccount(server);
      const { token } = await createApiKey(server.prisma, account.id, { scopes: ['agents:read'] });
      const response = await graphql(
        server,
        'mutation { createAgent(input: { name: "Blocked", role: specialist }) { agent { id } } }',
        { token },
      );

      expect(graphqlCode(response)).toBe('insufficient_scope');
      expect(response.body.errors[0].message).toContain('agents:write');
      expect(await server.prisma.agent.count({ where: { accountId: account.id } })).toBe(0);
    });

    it('names agents:read for the agents query', async () => {
      const { key } = await createTestAccount(server, { key: { scopes: ['fleets:read'] } });
      const response = await graphql(server, '{ agents { totalCount } }', { token: key });

      expect(graphqlCode(response)).toBe('insufficient_scope');
      expect(response.body.errors[0].message).toContain('agents:read');
    });

    it('key management requires the * scope', async () => {
      const { account, key: fullKey } = await createTestAccount(server);
      const { token: agentsKey } = await createApiKey(server.prisma, account.id, {
        scopes: ['agents:read', 'agents:write'],
      });
      const existing = await createApiKey(server.prisma, account.id);
      const existingId = encodeGlobalID('ApiKey', existing.key.id);

      const create = await graphql(server, createApiKeyMutation, {
        token: agentsKey,
        variables: { input: {} },
      });
      const revoke = await graphql(server, revokeApiKeyMutation, {
        token: agentsKey,
        variables: { id: existingId },
      });
      const oauthApp = await graphql(server, createOAuthAppMutation, {
        token: agentsKey,
        variables: { name: 'X' },
      });

      for (const response of [create, revoke, oauthApp]) {
        expect(graphqlCode(response)).toBe('insufficient_scope');
        expect(response.body.errors[0].message).toContain('"*"');
      }
      expect(await server.prisma.apiKey.count({ where: { accountId: account.id } })).toBe(3);
      expect((await call(server, 'GET', '/api/v1/agents', { token: existing.token })).status).toBe(
        200,
      );
      expect(await server.prisma.oAuthApp.count({ where: { accountId: account.id } })).toBe(0);
      expect(
        (await graphql(server, '{ viewer { livemode } }', { token: fullKey })).body.data.viewer
          .livemode,
      ).toBe(true);
    });

    it('creates and revokes an API key', async () => {
      const { key } = await createTestAccount(server);
      const created = await graphql(server, createApiKeyMutation, {
        token: key,
        variables: { input: { name: 'reporting', scopes: ['agents:read'] } },
      });
      const payload = created.body.data.createApiKey;

      expect(created.body.errors).toBeUndefined();
      expect(payload.token).toMatch(/^ak_live_/);
      expect(payload.apiKey.mode).toBe('live');
      expect(payload.apiKey.scopes).toEqual(['agents:read']);
      expect((await call(server, 'GET', '/api/v1/agents', { token: payload.token })).status).toBe(
        200,
      );
      expectError(
        await call(server, 'POST', '/api/v1/agents', {
          token: payload.token,
          json: { agent_name: 'Blocked', agent_role: 'specialist' },
        }),
        403,
        'insufficient_scope',
      );

      const revoked = await graphql(server, revokeApiKeyMutation, {
        token: key,
        variables: { id: payload.apiKey.id },
      });

      expect(revoked.body.data.revokeApiKey.apiKey.revokedAt).not.toBeNull();
      expectError(
        await call(server, 'GET', '/api/v1/agents', { token: payload.token }),
        401,
        'auth_required',
      );
    });

    it('registers a working OAuth app', async () => {
      const { key } = await createTestAccount(server);
      const registered = await graphql(server, createOAuthAppMutation, {
        token: key,
        variables: { name: 'Sync' },
      });
      const { clientId, clientSecret } = registered.body.data.createOAuthApp;
      const form = formBody({ grant_type: 'client_credentials' });
      const token = await call(server, 'POST', '/api/v1/oauth/token', {
        body: form.body,
        headers: { ...form.headers, authorization: basicAuthorization(clientId, clientSecret) },
      });

      expect(clientId).toMatch(/^oac_/);
      expect(token.status).toBe(200);
      expect(token.body.access_token).toMatch(/^aat_/);
    });

    it('hides keys outside the tenant', async () => {
      const owner = await createTestAccount(server);
      const intruder = await createTestAccount(server);
      const { token: testKey } = await createApiKey(server.prisma, owner.account.id, {
        test: true,
      });
      const ownerKey = await server.prisma.apiKey.findFirstOrThrow({
        where: { accountId: owner.account.id, mode: 'live' },
      });
      const nodeQuery = 'query ($id: ID!) { node(id: $id) { id } }';
      const variables = { id: encodeGlobalID('ApiKey', ownerKey.id) };

      const fromIntruder = await graphql(server, nodeQuery, { token: intruder.key, variables });
      const fromTestMode = await graphql(server, nodeQuery, { token: testKey, variables });
      const fromOwner = await graphql(server, nodeQuery, { token: owner.key, variables });
      const testModeKeys = await graphql(server, '{ viewer { account { apiKeys { mode } } } }', {
        token: testKey,
      });

      expect(fromIntruder.body.data.node).toBeNull();
      expect(fromTestMode.body.data.node).toBeNull();
      expect(fromOwner.body.data.node).toEqual(variables);
      expect(testModeKeys.body.data.viewer.account.apiKeys).toEqual([{ mode: 'test' }]);
    });

    it('test-mode key creates only test keys', async () => {
      const { account } = await createTestAccount(server);
      const { token: testKey } = await createApiKey(server.prisma, account.id, { test: true });
      const liveKey = await createApiKey(server.prisma, account.id);

      const live = await graphql(server, createApiKeyMutation, {
        token: testKey,
        variables: { input: { test: false } },
      });
      const implicit = await graphql(server, createApiKeyMutation, {
        token: testKey,
        variables: { input: {} },
      });
      const oauthApp = await graphql(server, createOAuthAppMutation, {
        token: testKey,
        variables: { name: 'X' },
      });
      const revokeLive = await graphql(server, revokeApiKeyMutation, {
        token: testKey,
        variables: { id: encodeGlobalID('ApiKey', liveKey.key.id) },
      });

      expect(graphqlCode(live)).toBe('insufficient_scope');
      expect(implicit.body.errors).toBeUndefined();
      expect(implicit.body.data.createApiKey.token).toMatch(/^ak_test_/);
      expect(implicit.body.data.createApiKey.apiKey.mode).toBe('test');
      expect(graphqlCode(oauthApp)).toBe('insufficient_scope');
      expect(graphqlCode(revokeLive)).toBe('resource_not_found');
      expect((await call(server, 'GET', '/api/v1/agents', { token: liveKey.token })).status).toBe(
        200,
      );
      expect(
        await server.prisma.apiKey.count({ where: { accountId: account.id, mode: 'live' } }),
      ).toBe(2);
    });
  });
});
