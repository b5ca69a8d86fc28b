import { encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/accounts/api-keys.js';
import {
  call,
  createTestAccount,
  graphql,
  startServer,
  type TestAccount,
  type TestServer,
} from '../support/server.js';

/** An agent as the GraphQL `AgentFields` selection below returns it. */
interface GraphQLAgent {
  id: string;
  databaseId: number;
  name: string;
  role: string;
  task: string;
  skills: string[];
  status: string;
  voiceEnabled: boolean;
  voiceEngine: string | null;
  livemode: boolean;
  fleet: { id: string; databaseId: number } | null;
  createdAt: string;
  updatedAt: string;
}

type GraphQLResult = Awaited<ReturnType<typeof graphql>>;

const agentFields = `
  id
  databaseId
  name
  role
  task
  skills
  status
  voiceEnabled
  voiceEngine
  livemode
  fleet { id databaseId }
  createdAt
  updatedAt
`;

const createMutation = `
  mutation Create($input: CreateAgentInput!) {
    createAgent(input: $input) { agent { ${agentFields} } }
  }
`;

const updateMutation = `
  mutation Update($input: UpdateAgentInput!) {
    updateAgent(input: $input) { agent { ${agentFields} } }
  }
`;

const agentQuery = `query Get($id: ID!) { agent(id: $id) { ${agentFields} } }`;

const pageQuery = `
  query Page($first: Int, $after: String) {
    agents(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage endCursor startCursor }
      edges { cursor node { databaseId name } }
    }
  }
`;

/** ISO 8601 in UTC with a `Z` suffix; GraphQL keeps the milliseconds that REST drops. */
const isoUtc = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;

function agentId(databaseId: number): string {
  return encodeGlobalID('Agent', databaseId);
}

/** Returns the only error of a result, after checking that there is exactly one. */
function onlyError(result: GraphQLResult): {
  message: string;
  extensions: Record<string, any>;
  path?: string[];
} {
  expect(result.body.errors).toHaveLength(1);

  return result.body.errors[0];
}

function expectErrorCode(
  result: GraphQLResult,
  code: string,
): { message: string; extensions: Record<string, any> } {
  const error = onlyError(result);
  expect(error.extensions.code).toBe(code);
  expect(error.message).not.toBe('');

  return error;
}

/** Checks a `validation_error` whose details name exactly `fields`, in GraphQL input names. */
function expectInvalidFields(result: GraphQLResult, fields: string[]): void {
  const error = expectErrorCode(result, 'validation_error');
  const details = error.extensions.details as { field: string; message: string }[];
  expect(details.map((issue) => issue.field).sort()).toEqual([...fields].sort());
  for (const field of fields) {
    expect(error.message).toContain(field);
  }
}

describe('agents GraphQL API', () => {
  let server: TestServer;
  let owner: TestAccount;
  let stranger: TestAccount;

  beforeAll(async () => {
    server = await startServer();
    owner = await createTestAccount(server);
    stranger = await createTestAccount(server);
  });

  afterAll(async () => {
    await server.stop();
  });

  async function createAgent(
    token: string,
    input: Record<string, unknown> = {},
  ): Promise<GraphQLAgent> {
    const result = await graphql(server, createMutation, {
      token,
      variables: { input: { name: 'Graph Agent', role: 'generalist', ...input } },
    });
    expect(result.body.errors).toBeUndefined();

    return result.body.data.createAgent.agent as GraphQLAgent;
  }

  async function createRestAgent(
    token: string,
    fields: Record<string, unknown> = {},
  ): Promise<any> {
    const response = await call(server, 'POST', '/api/v1/agents', {
      token,
      json: { agent_name: 'Rest Agent', agent_role: 'reviewer', ...fields },
    });
    expect(response.status).toBe(201);

    return response.body.data;
  }

  async function createFleet(account: TestAccount, maxAgents = 5): Promise<number> {
    const fleet = await server.prisma.fleet.create({
      data: { accountId: account.account.id, name: 'Graph Fleet', maxAgents },
    });

    return fleet.id;
  }

  describe('createAgent', () => {
    it('creates an agent that REST returns', async () => {
      const fleetId = await createFleet(owner);
      const agent = await createAgent(owner.key, {
        name: 'Support Bot',
        role: 'specialist',
        task: 'Handle customer billing questions',
        skills: ['product_lookup', 'ticket_create'],
        fleetId: encodeGlobalID('Fleet', fleetId),
        voiceEnabled: true,
        voiceEngine: 'cartesia',
      });

      expect(agent).toMatchObject({
        id: agentId(agent.databaseId),
        name: 'Support Bot',
        role: 'specialist',
        task: 'Handle customer billing questions',
        skills: ['product_lookup', 'ticket_create'],
        status: 'idle',
        voiceEnabled: true,
        voiceEngine: 'cartesia',
        livemode: true,
        fleet: { id: encodeGlobalID('Fleet', fleetId), databaseId: fleetId },
      });
      expect(agent.createdAt).toMatch(isoUtc);
      expect(agent.updatedAt).toMatch(isoUtc);

      const rest = await call(server, 'GET', `/api/v1/agents/${agent.databaseId}`, {
        token: owner.key,
      });
      expect(rest.status).toBe(200);
      expect(rest.body.data).toMatchObject({
        id: agent.databaseId,
        agent_name: 'Support Bot',
        agent_role: 'specialist',
        task: 'Handle customer billing questions',
        skills: ['product_lookup', 'ticket_create'],
        fleet_id: fleetId,
        status: 'idle',
        voice_enabled: true,
        voice_engine: 'cartesia',
      });
      expect(Date.parse(rest.body.data.created_at)).toBe(
        Math.floor(Date.parse(agent.createdAt) / 1000) * 1000,
      );
    });

    it('fills defaults for optional fields', async () => {
      const agent = await createAgent(owner.key, { name: 'Plain', role: 'leader' });

      expect(agent).toMatchObject({
        task: '',
        skills: [],
        fleet: null,
        voiceEnabled: false,
        voiceEngine: null,
      });
    });

    it('reports invalid fields with details', async () => {
      const result = await graphql(server, createMutation, {
        token: owner.key,
        variables: {
          input: {
            name: 'n'.repeat(101),
            role: 'leader',
            task: 't'.repeat(2001),
            skills: ['ok_tool', 'Bad Name'],
          },
        },
      });

      expect(result.status).toBe(200);
      expect(result.body.data).toBeNull();
      expectInvalidFields(result, ['name', 'task', 'skills.1']);
    });

    it('rejects a blank name', async () => {
      const result = await graphql(server, createMutation, {
        token: owner.key,
        variables: { input: { name: '   ', role: 'leader' } },
      });

      expectInvalidFields(result, ['name']);
    });

    it('rejects an unknown role as invalid input', async () => {
      const result = await graphql(server, createMutation, {
        token: owner.key,
        variables: { input: { name: 'Bot', role: 'boss' } },
      });

      const error = expectErrorCode(result, 'validation_error');
      expect(error.message).toContain('boss');
    });

    it('rejects a missing name as invalid input', async () => {
      const result = await graphql(server, createMutation, {
        token: owner.key,
        variables: { input: { role: 'leader' } },
      });

      expectErrorCode(result, 'validation_error');
    });

    it('rejects a fleet of another account', async () => {
      const fleetId = await createFleet(stranger);
      const result = await graphql(server, createMutation, {
        token: owner.key,
        variables: {
          input: { name: 'Bot', role: 'leader', fleetId: encodeGlobalID('Fleet', fleetId) },
        },
      });

      expectInvalidFields(result, ['fleetId']);
    });

    it('rejects a non-fleet fleetId', async () => {
      const result = await graphql(server, createMutation, {
        token: owner.key,
        variables: { input: { name: 'Bot', role: 'leader', fleetId: agentId(1) } },
      });

      expectErrorCode(result, 'resource_not_found');
    });

    it('rejects joining full fleets', async () => {
      const fleetId = await createFleet(owner, 1);
      await createAgent(owner.key, { fleetId: encodeGlobalID('Fleet', fleetId) });
      const result = await graphql(server, createMutation, {
        token: owner.key,
        variables: {
          input: { name: 'Late', role: 'leader', fleetId: encodeGlobalID('Fleet', fleetId) },
        },
      });

      expectErrorCode(result, 'conflict');
    });
  });

  describe('queries', () => {
    it('reads a REST agent by global id', async () => {
      const rest = await createRestAgent(owner.key, {
        skills: ['dns_lookup'],
        voice_engine: 'kokoro',
      });
      const result = await graphql(server, agentQuery, {
        token: owner.key,
        variables: { id: agentId(rest.id) },
      });

      expect(result.body.errors).toBeUndefined();
      expect(result.body.data.agent).toMatchObject({
        id: agentId(rest.id),
        databaseId: rest.id,
        name: 'Rest Agent',
        role: 'reviewer',
        skills: ['dns_lookup'],
        status: 'idle',
        voiceEngine: 'kokoro',
        fleet: null,
      });
    });

    it('reads an agent through node and nodes', async () => {
      const own = await createRestAgent(owner.key);
      const foreign = await createRestAgent(stranger.key);
      const result = await graphql(
        server,
        `
          query Nodes($own: ID!, $foreign: ID!) {
            own: node(id: $own) {
              id
              ... on Agent {
                name
              }
            }
            foreign: node(id: $foreign) {
              id
              ... on Agent {
                name
              }
            }
            both: nodes(ids: [$own, $foreign]) {
              id
            }
          }
        `,
        { token: owner.key, variables: { own: agentId(own.id), foreign: agentId(foreign.id) } },
      );

      expect(result.body.errors).toBeUndefined();
      expect(result.body.data.own).toEqual({ id: agentId(own.id), name: 'Rest Agent' });
      expect(result.body.data.foreign).toBeNull();
      expect(result.body.data.both).toEqual([{ id: agentId(own.id) }, null]);
    });

    it('hides another account agent behind not found', async () => {
      const foreign = await createRestAgent(stranger.key, { agent_name: 'Private Stranger Bot' });
      const result = await graphql(server, agentQuery, {
        token: owner.key,
        variables: { id: agentId(foreign.id) },
      });

      expect(result.body.data).toBeNull();
      expectErrorCode(result, 'resource_not_found');
      expect(JSON.stringify(result.body)).not.toContain('Private Stranger Bot');
    });

    it('answers not found for bad ids', async () => {
      const fleetId = await createFleet(owner);
      for (const id of [
        'garbage',
        '42',
        encodeGlobalID('Fleet', fleetId),
        encodeGlobalID('Agent', 'abc'),
        agentId(2147483647),
      ]) {
        const result = await graphql(server, agentQuery, { token: owner.key, variables: { id } });
        expectErrorCode(result, 'resource_not_found');
      }
    });

    it('pages through the connection oldest first', async () => {
      const account = await createTestAccount(server);
      const ids: number[] = [];
      for (let index = 0; index < 5; index += 1) {
        ids.push((await createRestAgent(account.key, { agent_name: `Agent ${index}` })).id);
      }
      await createRestAgent(stranger.key);

      const seen: number[] = [];
      let after: string | null = null;
      const pages: { hasNextPage: boolean; count: number }[] = [];
      for (let page = 0; page < 4; page += 1) {
        const result = await graphql(server, pageQuery, {
          token: account.key,
          variables: { first: 2, after },
        });
        expect(result.body.errors).toBeUndefined();
        const connection = result.body.data.agents;
        expect(connection.totalCount).toBe(5);
        seen.push(
          ...connection.edges.map((edge: { node: { databaseId: number } }) => edge.node.databaseId),
        );
        pages.push({
          hasNextPage: connection.pageInfo.hasNextPage,
          count: connection.edges.length,
        });
        if (connection.edges.length > 0) {
          expect(connection.pageInfo.endCursor).toBe(connection.edges.at(-1).cursor);
        }
        if (!connection.pageInfo.hasNextPage) {
          break;
        }
        after = connection.pageInfo.endCursor;
      }

      expect(seen).toEqual(ids);
      expect(pages).toEqual([
        { hasNextPage: true, count: 2 },
        { hasNextPage: true, count: 2 },
        { hasNextPage: false, count: 1 },
      ]);
    });

    it('counts an empty connection', async () => {
      const account = await createTestAccount(server);
      const result = await graphql(server, pageQuery, {
        token: account.key,
        variables: { first: 10 },
      });

      expect(result.body.data.agents).toEqual({
        totalCount: 0,
        pageInfo: {
          hasNextPage: false,
          hasPreviousPage: false,
          endCursor: null,
          startCursor: null,
        },
        edges: [],
      });
    });

    it('keeps test-mode agents apart', async () => {
      const account = await createTestAccount(server);
      const { token: testKey } = await createApiKey(server.prisma, account.account.id, {
        test: true,
      });
      const live = await createAgent(account.key, { name: 'Live' });
      const sandbox = await createAgent(testKey, { name: 'Sandbox' });

      expect(sandbox.livemode).toBe(false);
      const liveList = await graphql(server, pageQuery, {
        token: account.key,
        variables: { first: 10 },
      });
      expect(liveList.body.data.agents.edges.map((edge: any) => edge.node.databaseId)).toEqual([
        live.databaseId,
      ]);
      const lookup = await graphql(server, agentQuery, {
        token: testKey,
        variables: { id: live.id },
      });
      expectErrorCode(lookup, 'resource_not_found');
    });

    it('reads fresh data in every request', async () => {
      const agent = await createAgent(owner.key, { name: 'Before' });
      const query = `query Get($id: ID!) {
        first: agent(id: $id) { name }
        second: agent(id: $id) { name }
      }`;

      const before = await graphql(server, query, {
        token: owner.key,
        variables: { id: agent.id },
      });
      expect(before.body.data).toEqual({ first: { name: 'Before' }, second: { name: 'Before' } });

      await call(server, 'PUT', `/api/v1/agents/${agent.databaseId}`, {
        token: owner.key,
        json: { agent_name: 'After' },
      });
      const after = await graphql(server, query, { token: owner.key, variables: { id: agent.id } });
      expect(after.body.data).toEqual({ first: { name: 'After' }, second: { name: 'After' } });

      const foreign = await graphql(server, query, {
        token: stranger.key,
        variables: { id: agent.id },
      });
      expect(foreign.body.data).toBeNull();
      expect(JSON.stringify(foreign.body)).not.toContain('After');
    });
  });

  describe('updateAgent', () => {
    it('changes only the fields given', async () => {
      const agent = await createAgent(owner.key, {
        name: 'Original',
        task: 'Old',
        skills: ['dns_lookup'],
      });
      const result = await graphql(server, updateMutation, {
        token: owner.key,
        variables: { input: { id: agent.id, task: 'New' } },
      });

      expect(result.body.errors).toBeUndefined();
      expect(result.body.data.updateAgent.agent).toEqual({
        ...agent,
        task: 'New',
        updatedAt: result.body.data.updateAgent.agent.updatedAt,
      });
    });

    it('clears nullable fields with null', async () => {
      const fleetId = await createFleet(owner);
      const agent = await createAgent(owner.key, {
        task: 'Something',
        skills: ['dns_lookup'],
        fleetId: encodeGlobalID('Fleet', fleetId),
        voiceEngine: 'orpheus',
      });
      const result = await graphql(server, updateMutation, {
        token: owner.key,
        variables: {
          input: { id: agent.id, task: null, skills: null, fleetId: null, voiceEngine: null },
        },
      });

      expect(result.body.errors).toBeUndefined();
      expect(result.body.data.updateAgent.agent).toMatchObject({
        task: '',
        skills: [],
        fleet: null,
        voiceEngine: null,
      });
    });

    it('reports invalid fields with details', async () => {
      const agent = await createAgent(owner.key);
      const result = await graphql(server, updateMutation, {
        token: owner.key,
        variables: { input: { id: agent.id, name: '', task: 't'.repeat(2001) } },
      });

      expectInvalidFields(result, ['name', 'task']);
    });

    it('answers not found for another account agent', async () => {
      const foreign = await createAgent(stranger.key, { name: 'Theirs' });
      const result = await graphql(server, updateMutation, {
        token: owner.key,
        variables: { input: { id: foreign.id, name: 'Mine now' } },
      });

      expectErrorCode(result, 'resource_not_found');
      const check = await graphql(server, agentQuery, {
        token: stranger.key,
        variables: { id: foreign.id },
      });
      expect(check.body.data.agent.name).toBe('Theirs');
    });
  });

  describe('deleteAgent', () => {
    const deleteMutation = `
      mutation Delete($input: DeleteAgentInput!) {
        deleteAgent(input: $input) { deletedAgentId databaseId }
      }
    `;

    it('deletes for both APIs', async () => {
      const agent = await createAgent(owner.key);
      const result = await graphql(server, deleteMutation, {
        token: owner.key,
        variables: { input: { id: agent.id } },
      });

      expect(result.body.errors).toBeUndefined();
      expect(result.body.data.deleteAgent).toEqual({
        deletedAgentId: agent.id,
        databaseId: agent.databaseId,
      });
      expect(
        (await call(server, 'GET', `/api/v1/agents/${agent.databaseId}`, { token: owner.key }))
          .status,
      ).toBe(404);

      const again = await graphql(server, deleteMutation, {
        token: owner.key,
        variables: { input: { id: agent.id } },
      });
      expectErrorCode(again, 'resource_not_found');
    });

    it('answers not found for another account agent', async () => {
      const foreign = await createAgent(stranger.key);
      const result = await graphql(server, deleteMutation, {
        token: owner.key,
        variables: { input: { id: foreign.id } },
      });

      expectErrorCode(result, 'resource_not_found');
      expect(
        (await call(server, 'GET', `/api/v1/agents/${foreign.databaseId}`, { token: stranger.key }))
          .status,
      ).toBe(200);
    });
  });

  describe('deployAgent', () => {
    const deployMutation = `
      mutation Deploy($input: DeployAgentInput!) {
        deployAgent(input: $input) { agent { id status } }
      }
    `;

    it('deploys idempotently', async () => {
      const agent = await createAgent(owner.key);
      for (let attempt = 0; attempt < 2; attempt += 1) {
        const result = await graphql(server, deployMutation, {
          token: owner.key,
          variables: { input: { id: agent.id } },
        });
        expect(result.body.errors).toBeUndefined();
        expect(result.body.data.deployAgent.agent).toEqual({ id: agent.id, status: 'working' });
      }

      const rest = await call(server, 'GET', `/api/v1/agents/${agent.databaseId}`, {
        token: owner.key,
      });
      expect(rest.body.data.status).toBe('working');
    });

    it('rejects errored agents as conflicts', async () => {
      const agent = await createAgent(owner.key);
      await server.prisma.agent.update({
        where: { id: agent.databaseId },
        data: { status: 'error' },
      });
      const result = await graphql(server, deployMutation, {
        token: owner.key,
        variables: { input: { id: agent.id } },
      });

      expectErrorCode(result, 'conflict');
    });

    it('answers not found for another account agent', async () => {
      const foreign = await createAgent(stranger.key);
      const result = await graphql(server, deployMutation, {
        token: owner.key,
        variables: { input: { id: foreign.id } },
      });

      expectErrorCode(result, 'resource_not_found');
    });
  });

  describe('executeAgent', () => {
    const executeMutation = `
      mutation Execute($input: ExecuteAgentInput!) {
        executeAgent(input: $input) { reply toolsUsed executionTimeMs }
      }
    `;

    it('answers service_unavailable naming the settings', async () => {
      const agent = await createAgent(owner.key);
      const result = await graphql(server, executeMutation, {
        token: owner.key,
        variables: {
          input: { id: agent.id, message: 'Hello', tools: ['dns_lookup'], context: { ticket: 7 } },
        },
      });

      const error = expectErrorCode(result, 'service_unavailable');
      expect(error.message).toContain('OPENAI_BASE_URL');
      expect(error.message).toContain('LLM_DEFAULT_MODEL');
    });

    it('reports invalid input with details', async () => {
      const agent = await createAgent(owner.key);
      const result = await graphql(server, executeMutation, {
        token: owner.key,
        variables: { input: { id: agent.id, message: ' ', tools: ['Not Snake'], context: [1] } },
      });

      expectInvalidFields(result, ['message', 'tools.0', 'context']);
    });

    it('answers not found for another account agent', async () => {
      const foreign = await createAgent(stranger.key);
      const result = await graphql(server, executeMutation, {
        token: owner.key,
        variables: { input: { id: foreign.id, message: 'Hello' } },
      });

      expectErrorCode(result, 'resource_not_found');
    });
  });

  describe('authorization', () => {
    it('requires a credential', async () => {
      const result = await graphql(server, pageQuery, { variables: { first: 1 } });

      expectErrorCode(result, 'auth_required');
    });

    it('requires agents:write for mutations', async () => {
      const { token: readKey } = await createApiKey(server.prisma, owner.account.id, {
        scopes: ['agents:read'],
      });
      const result = await graphql(server, createMutation, {
        token: readKey,
        variables: { input: { name: 'Nope', role: 'leader' } },
      });

      const error = expectErrorCode(result, 'insufficient_scope');
      expect(error.message).toContain('agents:write');
      const list = await graphql(server, pageQuery, { token: readKey, variables: { first: 1 } });
      expect(list.body.errors).toBeUndefined();
    });

    it('requires agents:read for queries', async () => {
      const { token: toolsKey } = await createApiKey(server.prisma, owner.account.id, {
        scopes: ['tools:read'],
      });
      const result = await graphql(server, pageQuery, { token: toolsKey, variables: { first: 1 } });

      const error = expectErrorCode(result, 'insufficient_scope');
      expect(error.message).toContain('agents:read');
    });
  });
});
