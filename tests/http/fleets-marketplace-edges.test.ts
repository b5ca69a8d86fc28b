import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gated, reply, startModelServer, type ModelServer, type ModelTurn } from '../support/model-server.js';
import { call, createTestAccount, graphql, startServer, type TestServer } from '../support/server.js';
import { subscribeOverWebSocket } from '../support/subscriptions.js';
import { waitUntil } from '../support/webhooks.js';

type Response = Awaited<ReturnType<typeof call>>;

function expectError(response: Response, status: number, code: string): void {
  expect(response.status, response.text).toBe(status);
  expect(response.body.error.code).toBe(code);
  expect(response.body.error.status).toBe(status);
  expect(response.body.error.message).not.toBe('');
}

/** Scripts a model call that never returns, so that a run stays in progress until it is cancelled. */
function hang(): ModelTurn {
  return gated(new Promise<void>(() => {}), reply('never sent'));
}

function globalId(type: string, id: number): string {
  return Buffer.from(`${type}:${id}`).toString('base64');
}

const agentManifest = { agent_name: 'Checker', agent_role: 'specialist' };

function toolManifest(name: string) {
  return {
    name,
    description: 'Looks up the weather',
    category: 'data',
    input_schema: { type: 'object', properties: {} },
    http: { url: 'https://example.com/weather' },
  };
}

describe('fleet and marketplace edges', () => {
  let model: ModelServer;
  let server: TestServer;
  let key: string;
  let other: string;
  let readOnly: string;

  beforeAll(async () => {
    model = await startModelServer();
    server = await startServer({
      OPENAI_BASE_URL: model.baseUrl,
      LLM_DEFAULT_MODEL: 'fleet-model',
      LLM_MAX_RETRIES: '0',
      EVENTS_POLL_INTERVAL_MS: '50',
    });
    key = (await createTestAccount(server, { account: { plan: 'enterprise' } })).key;
    other = (await createTestAccount(server, { account: { plan: 'enterprise' } })).key;
    readOnly = (await createTestAccount(server, { key: { scopes: ['fleets:read', 'marketplace:read'] } })).key;
  });
  afterAll(async () => {
    await server?.stop();
    await model?.close();
  });

  function send(method: string, path: string, options: Parameters<typeof call>[3] = {}): Promise<Response> {
    return call(server, method, path, { token: key, ...options });
  }

  function sendRaw(method: string, path: string, body: string, token = key): Promise<Response> {
    return call(server, method, path, { token, body, headers: { 'content-type': 'application/json' } });
  }

  async function createFleet(fields: Record<string, unknown> = {}): Promise<{ id: number }> {
    const created = await send('POST', '/api/v1/fleets', { json: { name: 'Edge Fleet', ...fields } });
    expect(created.status).toBe(201);

    return created.body.data;
  }

  async function publish(body: Record<string, unknown>): Promise<{ id: number }> {
    const published = await send('POST', '/api/v1/marketplace', { json: body });
    expect(published.status, published.text).toBe(201);

    return published.body.data;
  }

  it('rejects bad fleet inputs', async () => {
    const fleet = await createFleet();
    const bodies = [
      'null', '[]', '"x"', '1', '{}', '{"name":', '{"name":null}', '{"name":1}', '{"name":" "}',
      JSON.stringify({ name: 'x'.repeat(101) }), '{"name":"a\\u0000"}', '{"name":"\\ud800"}',
      '{"name":"ok","max_agents":0}', '{"name":"ok","max_agents":-1}', '{"name":"ok","max_agents":1.5}',
      '{"name":"ok","max_agents":1e300}', '{"name":"ok","max_agents":"5"}', '{"name":"ok","max_agents":null}',
      '{"name":"ok","auto_scale":"true"}', '{"name":"ok","description":null}', JSON.stringify({ name: 'ok', description: 'd'.repeat(1001) }),
      '{"name":"ok","status":"running"}', '{"name":"ok","agent_count":3}', '{"name":"ok","tasks_completed":1}', '{"name":"ok","constructor":1}',
    ];
    for (const body of bodies) {
      expectError(await sendRaw('POST', '/api/v1/fleets', body), 400, 'validation_error');
    }
    for (const body of ['{"name":null}', '{"max_agents":null}', '{"auto_scale":null}', '{"max_agents":101}', '{"status":"active"}', '[]']) {
      expectError(await sendRaw('PUT', `/api/v1/fleets/${fleet.id}`, body), 400, 'validation_error');
    }
    const deploys = [
      '{}', '{"task":""}', '{"task":null}', '{"task":"x","strategy":"round_robin"}', '{"task":"x","strategy":null}',
      '{"task":"x","timeout":0}', '{"task":"x","timeout":86401}', '{"task":"x","timeout":1.5}', '{"task":"x","timeout":"5"}',
      JSON.stringify({ task: 'x'.repeat(10_001) }), '{"task":"a\\u0000"}', '{"task":"x","extra":1}',
    ];
    for (const body of deploys) {
      expectError(await sendRaw('POST', `/api/v1/fleets/${fleet.id}/deploy`, body), 400, 'validation_error');
    }
    expectError(await send('POST', '/api/v1/fleets', { body: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'unsupported_media_type');
    expectError(await send('POST', `/api/v1/fleets/${fleet.id}/deploy`), 415, 'unsupported_media_type');
    // A fleet without agents has nothing to run the task.
    expectError(await send('POST', `/api/v1/fleets/${fleet.id}/deploy`, { json: { task: 'x' } }), 409, 'conflict');
    for (const force of ['yes', '', 'TRUE']) {
      expectError(await send('DELETE', `/api/v1/fleets/${fleet.id}?force=${force}`), 400, 'validation_error');
    }
    for (const id of ['0', '-1', '2147483648', '1e3', 'abc', '1.5', '01']) {
      expectError(await send('GET', `/api/v1/fleets/${id}`), 404, 'resource_not_found');
      expectError(await send('GET', `/api/v1/fleets/${fleet.id}/runs/${id}`), 404, 'resource_not_found');
    }
    for (const query of ['page=0', 'page=-1', 'page=abc', 'per_page=0', 'per_page=101', 'per_page=1e2', 'page=99999999999']) {
      expectError(await send('GET', `/api/v1/fleets?${query}`), 400, 'validation_error');
      expectError(await send('GET', `/api/v1/fleets/${fleet.id}/runs?${query}`), 400, 'validation_error');
      expectError(await send('GET', `/api/v1/marketplace?${query}`), 400, 'validation_error');
    }
  });

  it('hides fleets from other accounts', async () => {
    const fleet = await createFleet();
    await send('POST', '/api/v1/agents', { json: { agent_name: 'Worker', agent_role: 'specialist', fleet_id: fleet.id } });
    model.script(hang());
    const run = (await send('POST', `/api/v1/fleets/${fleet.id}/deploy`, { json: { task: 'Wait' } })).body.data as { id: number };
    for (const [method, path] of [
      ['GET', `/api/v1/fleets/${fleet.id}`],
      ['PUT', `/api/v1/fleets/${fleet.id}`],
      ['DELETE', `/api/v1/fleets/${fleet.id}?force=true`],
      ['POST', `/api/v1/fleets/${fleet.id}/deploy`],
      ['GET', `/api/v1/fleets/${fleet.id}/runs`],
      ['GET', `/api/v1/fleets/${fleet.id}/runs/${run.id}`],
      ['POST', `/api/v1/fleets/${fleet.id}/runs/${run.id}/cancel`],
    ] as const) {
      const json = method === 'PUT' ? { name: 'Mine now' } : method === 'POST' && path.endsWith('deploy') ? { task: 'x' } : undefined;
      expectError(await send(method, path, { token: other, json }), 404, 'resource_not_found');
    }
    const variables = { fleet: globalId('Fleet', fleet.id), run: globalId('FleetRun', run.id) };
    for (const query of ['query ($id: ID!) { fleet(id: $id) { id } }', 'query ($id: ID!) { fleetRun(id: $id) { id } }']) {
      const read = await graphql(server, query, { token: other, variables: { id: query.includes('fleetRun') ? variables.run : variables.fleet } });
      expect(read.body.data).toBeNull();
      expect(read.body.errors[0].extensions.code).toBe('resource_not_found');
    }
    for (const id of [variables.fleet, variables.run]) {
      expect((await graphql(server, 'query ($id: ID!) { node(id: $id) { id } }', { token: other, variables: { id } })).body.data).toEqual({ node: null });
    }
    const cancel = await graphql(server, 'mutation ($run: ID!) { cancelFleetRun(input: { id: $run }) { run { id } } }', { token: other, variables: { run: variables.run } });
    expect(cancel.body.errors[0].extensions.code).toBe('resource_not_found');
    const progress = subscribeOverWebSocket(server.url, other, 'subscription ($id: ID!) { fleetRunProgress(id: $id) { type } }', { id: variables.run });
    const refused = (await progress.waitForError()) as { extensions?: { code?: string } }[];
    await progress.dispose();
    expect(JSON.stringify(refused)).toContain('resource_not_found');
    expect(progress.results).toEqual([]);

    expectError(await send('POST', '/api/v1/fleets', { token: readOnly, json: { name: 'x' } }), 403, 'insufficient_scope');
    expectError(await send('POST', `/api/v1/fleets/${fleet.id}/deploy`, { token: readOnly, json: { task: 'x' } }), 403, 'insufficient_scope');
    expectError(await send('DELETE', `/api/v1/fleets/${fleet.id}`), 409, 'conflict');
    expect((await send('POST', `/api/v1/fleets/${fleet.id}/runs/${run.id}/cancel`)).status).toBe(200);
  });

  it('cancels a raced run once', async () => {
    const fleet = await createFleet();
    for (const name of ['First', 'Second']) {
      await send('POST', '/api/v1/agents', { json: { agent_name: name, agent_role: 'specialist', fleet_id: fleet.id } });
    }
    model.script(hang(), hang());
    const run = (await send('POST', `/api/v1/fleets/${fleet.id}/deploy`, { json: { task: 'Wait', strategy: 'parallel' } })).body.data as { id: number };
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => send('POST', `/api/v1/fleets/${fleet.id}/runs/${run.id}/cancel`)),
    );
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([200, 409, 409, 409]);
    for (const answer of answers.filter((response) => response.status === 409)) {
      expectError(answer, 409, 'conflict');
      expect(answer.body.error.message).toContain('cancelled');
    }
    expect(answers.find((answer) => answer.status === 200)!.body.data.status).toBe('cancelled');
  });

  it('keeps auto-scaled copies moved elsewhere', async () => {
    const scaling = await createFleet({ name: 'Scaling', max_agents: 1, auto_scale: true });
    const target = await createFleet({ name: 'Target' });
    await send('POST', '/api/v1/agents', { json: { agent_name: 'Original', agent_role: 'specialist', fleet_id: scaling.id } });
    model.script(hang(), hang(), hang());
    const runs: { id: number }[] = [];
    for (const task of ['First', 'Second', 'Third']) {
      runs.push((await send('POST', `/api/v1/fleets/${scaling.id}/deploy`, { json: { task, strategy: 'round-robin' } })).body.data);
    }
    const copies = await waitUntil(async () => {
      const agents = (await send('GET', '/api/v1/agents?per_page=100')).body.data as { id: number; fleet_id: number | null }[];
      const inFleet = agents.filter((agent) => agent.fleet_id === scaling.id);

      return inFleet.length === 3 ? inFleet.slice(1) : undefined;
    });
    const moved = copies[0]!;
    const left = copies[1]!;
    expect((await send('PUT', `/api/v1/agents/${moved.id}`, { json: { fleet_id: target.id } })).status).toBe(200);
    for (const run of runs) {
      expect((await send('POST', `/api/v1/fleets/${scaling.id}/runs/${run.id}/cancel`)).status).toBe(200);
    }
    // The copy left in the scaling fleet goes once idle, which shows that the worker swept.
    await waitUntil(async () => ((await send('GET', `/api/v1/agents/${left.id}`)).status === 404 ? true : undefined));
    const kept = await send('GET', `/api/v1/agents/${moved.id}`);
    expect(kept.status).toBe(200);
    expect(kept.body.data.fleet_id).toBe(target.id);
    expect((await send('GET', `/api/v1/fleets/${target.id}`)).body.data.agent_count).toBe(1);
    // The moved agent is an ordinary member of its new fleet and takes part in its runs.
    model.script(hang());
    const run = (await send('POST', `/api/v1/fleets/${target.id}/deploy`, { json: { task: 'Join in' } })).body.data;
    expect(run.steps.map((step: { agent_id: number }) => step.agent_id)).toEqual([moved.id]);
    expect((await send('POST', `/api/v1/fleets/${target.id}/runs/${run.id}/cancel`)).status).toBe(200);
  });

  it('names a missing manifest', async () => {
    const empty = await send('POST', '/api/v1/marketplace', { json: {} });
    expectError(empty, 400, 'validation_error');
    expect(empty.body.error.details).toEqual([
      { field: 'type', message: 'is required and must be one of agent, tool, fleet_template, extension' },
      { field: 'name', message: 'is required and must be a string' },
      { field: 'summary', message: 'is required and must be a string' },
      { field: 'manifest', message: 'is required and must be a JSON object' },
    ]);
    const missing = await send('POST', '/api/v1/marketplace', { json: { type: 'agent', name: 'x', summary: 's' } });
    expect(missing.body.error.details).toEqual([{ field: 'manifest', message: 'is required and must be a JSON object' }]);
    const graph = await graphql(server, 'mutation { publishMarketplaceItem(input: { type: agent, name: "x", summary: "s", manifest: 5 }) { item { id } } }', { token: key });
    expect(graph.body.errors[0].extensions.code).toBe('validation_error');
  });

  it('names invalid manifest fields by path', async () => {
    const cases: [Record<string, unknown>, { field: string; message: string }[]][] = [
      [{ type: 'fleet_template', manifest: { fleet: null, agents: [agentManifest] } }, [{ field: 'manifest.fleet', message: 'must be a JSON object' }]],
      [{ type: 'fleet_template', manifest: { agents: [agentManifest] } }, [{ field: 'manifest.fleet', message: 'is required and must be a JSON object' }]],
      [
        { type: 'fleet_template', manifest: { fleet: { name: 'f', size: 3 }, agents: [agentManifest] } },
        [{ field: 'manifest.fleet.size', message: 'is not a field of this manifest; accepted fields: name, description, max_agents, auto_scale' }],
      ],
      [
        { type: 'extension', manifest: { webhooks: [{ url: 'https://example.com/hook', enabled: false }] } },
        [{ field: 'manifest.webhooks.0.enabled', message: 'is not a field of this manifest; accepted fields: url, events, description' }],
      ],
      [{ type: 'extension', manifest: { webhooks: ['https://example.com/hook'] } }, [{ field: 'manifest.webhooks.0', message: 'must be a JSON object' }]],
    ];
    for (const [body, details] of cases) {
      const response = await send('POST', '/api/v1/marketplace', { json: { name: 'Bad', summary: 's', ...body } });
      expectError(response, 400, 'validation_error');
      expect(response.body.error.details, JSON.stringify(body)).toEqual(details);
    }
    const bodies = [
      { type: 'robot', manifest: {} }, { type: 'agent', manifest: null }, { type: 'agent', manifest: [] },
      { type: 'agent', manifest: { ...agentManifest, fleet_id: 1 } }, { type: 'agent', manifest: { ...agentManifest, agent_role: 'boss' } },
      { type: 'agent', version: 'v1.0.0', manifest: agentManifest }, { type: 'tool', manifest: agentManifest },
      { type: 'fleet_template', manifest: { fleet: { name: 'f' }, agents: [] } },
      { type: 'fleet_template', manifest: { fleet: { name: 'f', max_agents: 1 }, agents: [agentManifest, agentManifest] } },
      { type: 'fleet_template', manifest: { fleet: { name: 'f', max_agents: 1e300 }, agents: [agentManifest] } },
      { type: 'extension', manifest: {} }, { type: 'extension', manifest: { tools: [{}, {}] } },
      { type: 'extension', manifest: { tools: [toolManifest('dup_tool'), toolManifest('dup_tool')] } },
    ];
    for (const body of bodies) {
      expectError(await send('POST', '/api/v1/marketplace', { json: { name: 'Bad', summary: 's', ...body } }), 400, 'validation_error');
    }
    expectError(await sendRaw('POST', '/api/v1/marketplace', '{"type":"agent","name":"x","summary":"s","manifest":{"agent_name":"a\\u0000","agent_role":"leader"}}'), 400, 'validation_error');
  });

  it('rejects colliding tool renames', async () => {
    const extension = await publish({
      type: 'extension',
      name: 'Weather pack',
      summary: 'Two weather tools',
      manifest: { tools: [toolManifest('edge_weather_a'), toolManifest('edge_weather_b')] },
    });
    const onto = await send('POST', `/api/v1/marketplace/${extension.id}/install`, { token: other, json: { tool_names: { edge_weather_a: 'edge_weather_b' } } });
    expectError(onto, 400, 'validation_error');
    expect(onto.body.error.details).toEqual([{ field: 'tool_names.edge_weather_a', message: 'would give two tools of this item the name edge_weather_b' }]);
    const both = await send('POST', `/api/v1/marketplace/${extension.id}/install`, {
      token: other,
      json: { tool_names: { edge_weather_a: 'edge_same', edge_weather_b: 'edge_same' } },
    });
    expectError(both, 400, 'validation_error');
    expect(both.body.error.details.map((detail: { field: string }) => detail.field)).toEqual(['tool_names.edge_weather_a', 'tool_names.edge_weather_b']);
    // Swapping the two names is fine: each tool still has a name of its own.
    const swapped = await send('POST', `/api/v1/marketplace/${extension.id}/install`, {
      token: other,
      json: { tool_names: { edge_weather_a: 'edge_weather_b', edge_weather_b: 'edge_weather_a' } },
    });
    expect(swapped.status, swapped.text).toBe(201);
    expect(swapped.body.data.tools.map((tool: { name: string }) => tool.name).sort()).toEqual(['edge_weather_a', 'edge_weather_b']);
    for (const toolNames of [[], 'x', { unknown_tool: 'x' }, { edge_weather_a: 1 }, { edge_weather_a: 'Bad Name' }]) {
      const response = await send('POST', `/api/v1/marketplace/${extension.id}/install`, { token: other, json: { tool_names: toolNames } });
      // tool_names is checked before the earlier installation is looked up.
      expectError(response, 400, 'validation_error');
    }
  });

  it('enforces marketplace item rules', async () => {
    const item = await publish({ type: 'agent', name: 'Edge Agent', summary: 'For edge tests', manifest: agentManifest });
    for (const id of ['0', '-1', '2147483648', 'abc', '999999']) {
      expectError(await send('GET', `/api/v1/marketplace/${id}`), 404, 'resource_not_found');
      expectError(await send('POST', `/api/v1/marketplace/${id}/install`), 404, 'resource_not_found');
      expectError(await send('PUT', `/api/v1/marketplace/${id}/rating`, { json: { rating: 3 } }), 404, 'resource_not_found');
    }
    for (const query of ['type=robot', 'sort=best', 'type=', 'sort=', `search=${'a'.repeat(201)}`, 'search=%00']) {
      expectError(await send('GET', `/api/v1/marketplace?${query}`), 400, 'validation_error');
    }
    for (const query of ['search=%27%3B--', 'search=%25%25', 'search=%F0%9F%98%80']) {
      expect((await send('GET', `/api/v1/marketplace?${query}`)).body.data).toEqual([]);
    }
    expectError(await send('PUT', `/api/v1/marketplace/${item.id}`, { token: other, json: { version: '2.0.0' } }), 404, 'resource_not_found');
    expectError(await send('DELETE', `/api/v1/marketplace/${item.id}`, { token: other }), 404, 'resource_not_found');
    expectError(await send('PUT', `/api/v1/marketplace/${item.id}/rating`, { token: other, json: { rating: 3 } }), 409, 'conflict');
    expectError(await send('PUT', `/api/v1/marketplace/${item.id}/rating`, { json: { rating: 3 } }), 409, 'conflict');
    expectError(await send('POST', '/api/v1/marketplace', { token: readOnly, json: { type: 'agent', name: 'x', summary: 's', manifest: agentManifest } }), 403, 'insufficient_scope');
    expectError(await send('POST', `/api/v1/marketplace/${item.id}/install`, { token: readOnly }), 403, 'insufficient_scope');
    expectError(await send('PUT', `/api/v1/marketplace/${item.id}/rating`, { token: readOnly, json: { rating: 3 } }), 403, 'insufficient_scope');

    const installs = await Promise.all(Array.from({ length: 4 }, () => send('POST', `/api/v1/marketplace/${item.id}/install`, { token: other })));
    expect(installs.map((install) => install.status).sort()).toEqual([200, 200, 200, 201]);
    expect(new Set(installs.map((install) => install.body.data.id)).size).toBe(1);
    expect((await send('GET', `/api/v1/marketplace/${item.id}`)).body.data.install_count).toBe(1);

    for (const body of ['{"rating":0}', '{"rating":6}', '{"rating":2.5}', '{"rating":"3"}', '{"rating":null}', '{}', '{"rating":3,"x":1}', '{"rating":1e300}', '{"rating":-1}']) {
      expectError(await sendRaw('PUT', `/api/v1/marketplace/${item.id}/rating`, body, other), 400, 'validation_error');
    }
    expect((await send('PUT', `/api/v1/marketplace/${item.id}/rating`, { token: other, json: { rating: 4 } })).status).toBe(200);
    for (const body of ['{}', '{"version":"1.0.0"}', '{"version":"0.9.0"}', '{"version":"2.0.0","type":"tool"}', '{"version":"2.0.0","manifest":null}', '{"version":"2.0.0","name":null}']) {
      expectError(await sendRaw('PUT', `/api/v1/marketplace/${item.id}`, body), 400, 'validation_error');
    }
    const itemId = globalId('MarketplaceItem', item.id);
    const graphRating = await graphql(server, 'mutation ($id: ID!) { rateMarketplaceItem(input: { id: $id, rating: 9 }) { rating } }', { token: other, variables: { id: itemId } });
    expect(graphRating.body.errors[0].extensions.code).toBe('validation_error');
    const graphInstall = await graphql(server, 'mutation ($id: ID!) { installMarketplaceItem(input: { id: $id, toolNames: [1] }) { created } }', { token: other, variables: { id: itemId } });
    expect(graphInstall.body.errors[0].extensions.code).toBe('validation_error');
    expect((await send('DELETE', `/api/v1/marketplace/${item.id}`)).status).toBe(200);
    expectError(await send('DELETE', `/api/v1/marketplace/${item.id}`), 404, 'resource_not_found');
    expectError(await send('POST', `/api/v1/marketplace/${item.id}/install`, { token: other }), 404, 'resource_not_found');
    expectError(await send('PUT', `/api/v1/marketplace/${item.id}/rating`, { token: other, json: { rating: 2 } }), 404, 'resource_not_found');
  });
});
