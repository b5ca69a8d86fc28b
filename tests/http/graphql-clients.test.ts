import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateAgentDocument,
  CreateApiKeyDocument,
  CreateOAuthAppDocument,
  DeleteAgentDocument,
  DeployAgentDocument,
  ExecuteAgentDocument,
  GetAgentDocument,
  ListAgentsDocument,
  ListCredentialsDocument,
  RevokeApiKeyDocument,
  RevokeOAuthAppDocument,
  UpdateAgentDocument,
  ViewerDocument,
} from '../../clients/graphql/graphql.js';
import { call, createTestAccount, graphql, startServer, type TestServer } from '../support/server.js';
import { execute } from '../support/typed-graphql.js';

describe('generated GraphQL documents', () => {
  let server: TestServer;
  let key: string;
  let email: string;

  beforeAll(async () => {
    server = await startServer();
    const owner = await createTestAccount(server);
    key = owner.key;
    email = owner.account.email;
  });
  afterAll(async () => {
    await server.stop();
  });

  it('runs the agent lifecycle', async () => {
    const created = await execute(
      server,
      CreateAgentDocument,
      { input: { name: 'Support Bot', role: 'specialist', skills: ['ticket_create'], voiceEngine: 'cartesia' } },
      key,
    );
    expect(created.errors).toBeUndefined();
    const agent = created.data!.createAgent.agent;
    expect(agent.name).toBe('Support Bot');
    expect(agent.status).toBe('idle');
    expect(agent.voiceEngine).toBe('cartesia');
    expect(agent.fleet).toBeNull();

    const fetched = await execute(server, GetAgentDocument, { id: agent.id }, key);
    expect(fetched.data?.agent.databaseId).toBe(agent.databaseId);

    const updated = await execute(server, UpdateAgentDocument, { input: { id: agent.id, task: 'Refunds' } }, key);
    expect(updated.data?.updateAgent.agent.task).toBe('Refunds');
    expect(updated.data?.updateAgent.agent.name).toBe('Support Bot');

    const deployed = await execute(server, DeployAgentDocument, { input: { id: agent.id } }, key);
    expect(deployed.data?.deployAgent.agent.status).toBe('working');

    const executed = await execute(server, ExecuteAgentDocument, { input: { id: agent.id, message: 'hello' } }, key);
    expect(executed.data).toBeNull();
    expect(executed.errors?.[0]?.extensions?.code).toBe('service_unavailable');
    expect(executed.errors?.[0]?.message).toContain('OPENAI_BASE_URL');

    const rest = await call(server, 'GET', `/api/v1/agents/${agent.databaseId}`, { token: key });
    expect(rest.body.data.task).toBe('Refunds');
    expect(rest.body.data.status).toBe('working');

    const deleted = await execute(server, DeleteAgentDocument, { input: { id: agent.id } }, key);
    expect(deleted.data?.deleteAgent.deletedAgentId).toBe(agent.id);
    const gone = await execute(server, GetAgentDocument, { id: agent.id }, key);
    expect(gone.errors?.[0]?.extensions?.code).toBe('resource_not_found');
  });

  it('pages the agents connection', async () => {
    const { key: pagerKey } = await createTestAccount(server);
    for (const name of ['one', 'two', 'three']) {
      await execute(server, CreateAgentDocument, { input: { name, role: 'generalist' } }, pagerKey);
    }
    const first = await execute(server, ListAgentsDocument, { first: 2 }, pagerKey);
    expect(first.data?.agents.totalCount).toBe(3);
    expect(first.data?.agents.edges.map((edge) => edge.node.name)).toEqual(['one', 'two']);
    expect(first.data?.agents.pageInfo.hasNextPage).toBe(true);

    const rest = await execute(
      server,
      ListAgentsDocument,
      { first: 2, after: first.data?.agents.pageInfo.endCursor },
      pagerKey,
    );
    expect(rest.data?.agents.edges.map((edge) => edge.node.name)).toEqual(['three']);
    expect(rest.data?.agents.pageInfo.hasNextPage).toBe(false);
  });

  it('reports the viewer', async () => {
    const viewer = await execute(server, ViewerDocument, {}, key);
    expect(viewer.data?.viewer).toMatchObject({ livemode: true, scopes: ['*'], credentialKind: 'api_key' });
    expect(viewer.data?.viewer.account.email).toBe(email);
  });

  it('manages API keys', async () => {
    const created = await execute(
      server,
      CreateApiKeyDocument,
      { input: { name: 'reader', scopes: ['agents:read'] } },
      key,
    );
    const token = created.data!.createApiKey.token;
    expect(token).toMatch(/^ak_live_[a-z0-9]{8}_[A-Za-z0-9]{32}$/);
    expect(created.data?.createApiKey.apiKey.display).not.toContain(token.split('_')[3]);
    expect((await call(server, 'GET', '/api/v1/agents', { token })).status).toBe(200);

    const listed = await execute(server, ListCredentialsDocument, {}, key);
    expect(listed.data?.viewer.account.apiKeys.map((apiKey) => apiKey.name)).toContain('reader');

    const revoked = await execute(
      server,
      RevokeApiKeyDocument,
      { input: { id: created.data!.createApiKey.apiKey.id } },
      key,
    );
    expect(revoked.data?.revokeApiKey.apiKey.revokedAt).not.toBeNull();
    expect((await call(server, 'GET', '/api/v1/agents', { token })).status).toBe(401);
  });

  it('rejects unknown scopes for new keys', async () => {
    const result = await execute(server, CreateApiKeyDocument, { input: { scopes: ['agents:fly'] } }, key);
    expect(result.errors?.[0]?.extensions?.code).toBe('validation_error');
    expect(result.errors?.[0]?.message).toContain('agents:fly');
  });

  it('manages OAuth apps', async () => {
    const created = await execute(
      server,
      CreateOAuthAppDocument,
      { input: { name: 'Reporting', scopes: ['agents:read'] } },
      key,
    );
    const { clientId, clientSecret } = created.data!.createOAuthApp;
    const token = await call(server, 'POST', '/api/v1/oauth/token', {
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(token.status).toBe(200);
    const accessToken = token.body.access_token as string;
    expect((await call(server, 'GET', '/api/v1/agents', { token: accessToken })).status).toBe(200);

    await execute(server, RevokeOAuthAppDocument, { input: { clientId } }, key);
    expect((await call(server, 'GET', '/api/v1/agents', { token: accessToken })).status).toBe(401);
  });
});

describe('GraphQL tenancy and loaders', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('hides other accounts from node and agent lookups', async () => {
    const owner = await createTestAccount(server);
    const stranger = await createTestAccount(server);
    const created = await execute(server, CreateAgentDocument, { input: { name: 'private', role: 'leader' } }, owner.key);
    const id = created.data!.createAgent.agent.id;

    // The owner's request fills its loader first; the stranger's request must not reuse it.
    expect((await execute(server, GetAgentDocument, { id }, owner.key)).data?.agent.name).toBe('private');
    const lookup = await execute(server, GetAgentDocument, { id }, stranger.key);
    expect(lookup.data).toBeNull();
    expect(lookup.errors?.[0]?.extensions?.code).toBe('resource_not_found');

    const node = await graphql(server, 'query ($id: ID!) { node(id: $id) { id ... on Agent { name } } }', {
      token: stranger.key,
      variables: { id },
    });
    expect(node.body.data.node).toBeNull();

    const update = await execute(server, UpdateAgentDocument, { input: { id, name: 'taken' } }, stranger.key);
    expect(update.errors?.[0]?.extensions?.code).toBe('resource_not_found');
    expect((await execute(server, GetAgentDocument, { id }, owner.key)).data?.agent.name).toBe('private');
  });

  it('batches agent lookups in one request', async () => {
    const owner = await createTestAccount(server);
    const ids: string[] = [];
    for (const name of ['a', 'b', 'c']) {
      const created = await execute(server, CreateAgentDocument, { input: { name, role: 'reviewer' } }, owner.key);
      ids.push(created.data!.createAgent.agent.id);
    }
    const query = `query { ${ids.map((id, index) => `a${index}: agent(id: "${id}") { name }`).join(' ')} }`;
    const result = await graphql(server, query, { token: owner.key });
    expect(result.body.data).toEqual({ a0: { name: 'a' }, a1: { name: 'b' }, a2: { name: 'c' } });
  });

  it('rejects malformed global ids as not found', async () => {
    const owner = await createTestAccount(server);
    for (const id of ['not-base64!', 'QWdlbnQ6YWJj', 'RmxlZXQ6MQ==', '']) {
      const result = await execute(server, GetAgentDocument, { id }, owner.key);
      expect(result.errors?.[0]?.extensions?.code, id).toBe('resource_not_found');
    }
  });

  it('allows introspection without credentials', async () => {
    const result = await graphql(server, '{ __schema { queryType { name } } }');
    expect(result.status).toBe(200);
    expect(result.body.data.__schema.queryType.name).toBe('Query');
  });

  it('requires credentials for data', async () => {
    const result = await execute(server, ListAgentsDocument, {});
    expect(result.errors?.[0]?.extensions?.code).toBe('auth_required');
  });

  it('codes malformed queries as validation errors', async () => {
    const syntax = await graphql(server, '{ agents(first: 1) { totalCount }');
    expect(syntax.body.errors[0].extensions.code).toBe('validation_error');
    const unknownField = await graphql(server, '{ agents(first: 1) { nope } }');
    expect(unknownField.body.errors[0].extensions.code).toBe('validation_error');
  });

  it('answers 400 to malformed queries for graphql-response clients', async () => {
    // The GraphQL over HTTP specification keeps 200 for application/json responses
    // and asks for 400 when the client accepts application/graphql-response+json.
    const result = await call(server, 'POST', '/graphql', {
      json: { query: '{ agents(first: 1) { totalCount }' },
      headers: { accept: 'application/graphql-response+json' },
    });
    expect(result.status).toBe(400);
    expect(result.body.errors[0].extensions.code).toBe('validation_error');
  });
});
