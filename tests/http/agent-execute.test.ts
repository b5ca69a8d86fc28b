import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/accounts/api-keys.js';
import { httpError, reply, slow, startModelServer, toolCalls, type ModelServer } from '../support/model-server.js';
import { startDnsServer, type DnsPeer } from '../support/peers.js';
import { call, createTestAccount, graphql, startServer, type TestServer } from '../support/server.js';

type Response = Awaited<ReturnType<typeof call>>;

function expectError(response: Response, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(response.body.error.code).toBe(code);
  expect(response.body.error.status).toBe(status);
  expect(response.body.error.message).not.toBe('');
}

interface RestAgent {
  id: number;
  agent_name: string;
  status: string;
  [field: string]: unknown;
}

describe('agent execution', () => {
  let model: ModelServer;
  let dns: DnsPeer;
  let server: TestServer;
  let key: string;
  let accountId: number;

  beforeAll(async () => {
    model = await startModelServer();
    dns = await startDnsServer({ 'example.com': [{ type: 'A', value: '93.184.216.34', ttl: 300 }] });
    server = await startServer({
      OPENAI_BASE_URL: model.baseUrl,
      LLM_DEFAULT_MODEL: 'agent-model',
      LLM_MAX_RETRIES: '0',
      LLM_TIMEOUT_MS: '1500',
      DNS_SERVERS: dns.server,
    });
    const owner = await createTestAccount(server);
    key = owner.key;
    accountId = owner.account.id;
  });
  afterAll(async () => {
    await server?.stop();
    await model?.close();
    await dns?.close();
  });

  async function createAgent(fields: Record<string, unknown> = {}, token = key, deploy = true): Promise<RestAgent> {
    const created = await call(server, 'POST', '/api/v1/agents', {
      token,
      json: { agent_name: 'Support Bot', agent_role: 'specialist', task: 'Handle DNS questions', ...fields },
    });
    expect(created.status).toBe(201);
    if (!deploy) {
      return created.body.data;
    }
    const deployed = await call(server, 'POST', `/api/v1/agents/${created.body.data.id}/deploy`, { token });
    expect(deployed.body.data.status).toBe('working');

    return deployed.body.data;
  }

  function execute(id: number, body: unknown, token = key): Promise<Response> {
    return call(server, 'POST', `/api/v1/agents/${id}/execute`, { token, json: body });
  }

  async function statusOf(id: number): Promise<string> {
    return (await call(server, 'GET', `/api/v1/agents/${id}`, { token: key })).body.data.status;
  }

  it('runs a deployed agent with its skills', async () => {
    const agent = await createAgent({ skills: ['dns_lookup', 'product_lookup'] });
    model.script(
      toolCalls([{ id: 'call_dns', name: 'dns_lookup', arguments: '{"domain":"example.com"}' }]),
      reply('I looked up example.com: 93.184.216.34.'),
    );
    const response = await execute(agent.id, {
      message: 'Where does example.com point?',
      context: { customer_id: 17, tags: ['billing'] },
    });

    expect(response.status).toBe(200);
    expect(Object.keys(response.body.data).sort()).toEqual(['execution_time_ms', 'reply', 'tools_used']);
    expect(response.body.data.reply).toBe('I looked up example.com: 93.184.216.34.');
    expect(response.body.data.tools_used).toEqual(['dns_lookup']);
    expect(Number.isInteger(response.body.data.execution_time_ms)).toBe(true);

    const [first, second] = model.requests.slice(-2);
    expect(first!.body.model).toBe('agent-model');
    expect(first!.body.tools.map((tool: any) => tool.function.name)).toEqual(['dns_lookup']);
    const [system, user] = first!.body.messages;
    expect(system.role).toBe('system');
    expect(system.content).toContain('You are Support Bot');
    expect(system.content).toContain('specialist');
    expect(system.content).toContain('Handle DNS questions');
    expect(system.content).toContain('"customer_id": 17');
    expect(system.content).toContain('"billing"');
    expect(user).toEqual({ role: 'user', content: 'Where does example.com point?' });
    expect(JSON.parse(second!.body.messages.at(-1).content).records[0].value).toBe('93.184.216.34');

    const runs = await server.prisma.agentRun.findMany({ where: { agentId: agent.id } });
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      status: 'succeeded',
      message: 'Where does example.com point?',
      model: 'alfred-default',
      tools: ['dns_lookup'],
      toolsUsed: ['dns_lookup'],
      reply: 'I looked up example.com: 93.184.216.34.',
      totalTokens: 34,
      context: { customer_id: 17, tags: ['billing'] },
    });
    expect(runs[0]!.finishedAt).not.toBeNull();
    expect(runs[0]!.executionTimeMs).toBe(response.body.data.execution_time_ms);

    const events = await server.prisma.event.findMany({ where: { accountId, type: 'agent.completed' } });
    const event = events.find((entry) => (entry.data as { agent_id: number }).agent_id === agent.id);
    expect(event?.data).toEqual({
      agent_id: agent.id,
      agent_name: 'Support Bot',
      fleet_id: null,
      conversation_id: null,
      execution_time_ms: response.body.data.execution_time_ms,
      tools_used: ['dns_lookup'],
    });
    expect(await statusOf(agent.id)).toBe('working');
  });

  it('uses the request tools instead of the skills', async () => {
    const agent = await createAgent({ skills: ['dns_lookup'] });
    model.script(toolCalls([{ id: 'call_hash', name: 'hash', arguments: '{"input":"abc"}' }]), reply('Hashed.'));
    const response = await execute(agent.id, { message: 'Hash abc', tools: ['hash'] });

    expect(response.status).toBe(200);
    expect(response.body.data.tools_used).toEqual(['hash']);
    expect(model.requests.at(-2)!.body.tools.map((tool: any) => tool.function.name)).toEqual(['hash']);
  });

  it('runs without tools when the request lists none', async () => {
    const agent = await createAgent({ skills: ['dns_lookup'], task: '' });
    model.script(reply('Just words.'));
    const response = await execute(agent.id, { message: 'No tools today', tools: [] });

    expect(response.status).toBe(200);
    expect(response.body.data.tools_used).toEqual([]);
    const sent = model.requests.at(-1)!.body;
    expect(sent.tools).toBeUndefined();
    expect(sent.messages[0].content).not.toContain('standing task');
    expect(sent.messages[0].content).not.toContain('Context for this request');
  });

  it('rejects request tools outside the catalogue', async () => {
    const agent = await createAgent();
    const before = model.requests.length;
    const response = await execute(agent.id, { message: 'hi', tools: ['hash', 'ticket_create'] });

    expectError(response, 400, 'validation_error');
    expect(response.body.error.details).toEqual([{ field: 'tools.1', message: expect.stringContaining('ticket_create') }]);
    expect(model.requests.length).toBe(before);
  });

  it('checks tools against the plan', async () => {
    const free = await createTestAccount(server, { account: { plan: 'free' } });
    const agent = await createAgent({ skills: ['linear_regression', 'hash'] }, free.key);

    const denied = await execute(agent.id, { message: 'Fit a line', tools: ['linear_regression'] }, free.key);
    expectError(denied, 403, 'plan_upgrade_required');
    expect(denied.body.error.message).toContain('linear_regression');

    model.script(reply('Only hash is mine.'));
    const response = await execute(agent.id, { message: 'What can you use?' }, free.key);
    expect(response.status).toBe(200);
    expect(model.requests.at(-1)!.body.tools.map((tool: any) => tool.function.name)).toEqual(['hash']);
  });

  it('needs tools:execute when tools are offered', async () => {
    const { token: writeKey } = await createApiKey(server.prisma, accountId, { scopes: ['agents:write'] });
    const withSkills = await createAgent({ skills: ['hash'] });
    const denied = await execute(withSkills.id, { message: 'hash it' }, writeKey);

    expectError(denied, 403, 'insufficient_scope');
    expect(denied.body.error.message).toContain('tools:execute');

    const withoutSkills = await createAgent({ skills: [] });
    model.script(reply('No tools, no scope needed.'));
    expect((await execute(withoutSkills.id, { message: 'talk' }, writeKey)).status).toBe(200);
  });

  it('refuses an agent that is not deployed', async () => {
    const agent = await createAgent({}, key, false);
    const before = model.requests.length;
    const response = await execute(agent.id, { message: 'Are you on?' });

    expectError(response, 409, 'conflict');
    expect(response.body.error.message).toContain('deploy');
    expect(model.requests.length).toBe(before);
  });

  it('puts a failed agent into the error status', async () => {
    const agent = await createAgent({ skills: ['hash'] });
    model.script(httpError(500, 'Provider is down'));
    const failed = await execute(agent.id, { message: 'Do the thing' });

    expectError(failed, 502, 'upstream_error');
    expect(failed.body.error.message).toContain('Provider is down');
    expect(await statusOf(agent.id)).toBe('error');
    const [run] = await server.prisma.agentRun.findMany({ where: { agentId: agent.id } });
    expect(run).toMatchObject({ status: 'failed', errorCode: 'upstream_error', reply: null });
    const events = await server.prisma.event.findMany({ where: { accountId, type: 'agent.error' } });
    const event = events.find((entry) => (entry.data as { agent_id: number }).agent_id === agent.id);
    expect(event?.data).toEqual({
      agent_id: agent.id,
      agent_name: 'Support Bot',
      fleet_id: null,
      conversation_id: null,
      error_code: 'upstream_error',
      message: failed.body.error.message,
    });

    expectError(await execute(agent.id, { message: 'Again?' }), 409, 'conflict');
    const cleared = await call(server, 'PUT', `/api/v1/agents/${agent.id}`, { token: key, json: { task: 'Retry the thing' } });
    expect(cleared.body.data.status).toBe('idle');
    await call(server, 'POST', `/api/v1/agents/${agent.id}/deploy`, { token: key });
    model.script(reply('Back in business.'));
    const retried = await execute(agent.id, { message: 'Again' });
    expect(retried.status).toBe(200);
    expect(await statusOf(agent.id)).toBe('working');
  });

  it('times out a slow provider', async () => {
    const agent = await createAgent();
    model.script(slow(4000, reply('too late')));
    const response = await execute(agent.id, { message: 'Slowly' });

    expectError(response, 504, 'upstream_timeout');
    expect(response.body.error.message).toContain('LLM_TIMEOUT_MS');
    expect(await statusOf(agent.id)).toBe('error');
  });

  it('executes over GraphQL', async () => {
    const agent = await createAgent({ skills: ['hash'] });
    const id = (await graphql(server, `{ agents(first: 100) { edges { node { id databaseId } } } }`, { token: key })).body.data.agents.edges.find(
      (edge: any) => edge.node.databaseId === agent.id,
    ).node.id;
    model.script(toolCalls([{ id: 'call_g', name: 'hash', arguments: '{"input":"q"}' }]), reply('GraphQL run done.'));
    const result = await graphql(
      server,
      'mutation Execute($input: ExecuteAgentInput!) { executeAgent(input: $input) { reply toolsUsed executionTimeMs } }',
      { token: key, variables: { input: { id, message: 'Hash q', context: { source: 'graphql' } } } },
    );

    expect(result.body.errors).toBeUndefined();
    expect(result.body.data.executeAgent).toMatchObject({ reply: 'GraphQL run done.', toolsUsed: ['hash'] });
    expect(model.requests.at(-2)!.body.messages[0].content).toContain('"source": "graphql"');
  });
});
