import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Client, ConnectionError, NotFoundError, ApiError, ValidationError } from '../../clients/typescript/src/index.js';
import { gated, reply, startModelServer, type ModelServer } from '../support/model-server.js';
import { conformingFetch, type Violation } from '../support/openapi-conformance.js';
import { call, createTestAccount, startServer, type TestServer } from '../support/server.js';
import { waitUntil } from '../support/webhooks.js';

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe('TypeScript SDK fleets', () => {
  let model: ModelServer;
  let server: TestServer;
  let client: Client;
  let key: string;
  const violations: Violation[] = [];

  beforeAll(async () => {
    model = await startModelServer();
    server = await startServer({
      OPENAI_BASE_URL: model.baseUrl,
      LLM_DEFAULT_MODEL: 'test-model',
      LLM_MAX_RETRIES: '0',
      EVENTS_POLL_INTERVAL_MS: '50',
    });
    key = (await createTestAccount(server, { account: { plan: 'enterprise' } })).key;
    const document = (await call(server, 'GET', '/api/v1/openapi.json')).body;
    client = new Client({ apiKey: key, baseUrl: server.url, fetch: conformingFetch(document, violations), retry: { maxRetries: 0 } });
  });
  afterEach(() => {
    // Every response the SDK received must match the OpenAPI document it was typed from.
    expect(violations.splice(0)).toEqual([]);
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
    await model?.close();
  });

  it('manages a fleet and runs a task on it', async () => {
    const created = await client.fleets.create({ name: 'SDK Team', max_agents: 2 });
    expect(created.data).toMatchObject({ name: 'SDK Team', max_agents: 2, auto_scale: false, agent_count: 0, status: 'active' });
    const fleetId = created.data.id;
    for (const name of ['First', 'Second']) {
      await client.agents.create({ agent_name: name, agent_role: 'generalist', fleet_id: fleetId });
    }
    expect((await client.fleets.get(fleetId)).data.agent_count).toBe(2);
    expect((await client.fleets.update(fleetId, { description: 'Runs SDK tasks' })).data.description).toBe('Runs SDK tasks');
    const page = await client.fleets.list({ per_page: 10 });
    expect(page.data.map((fleet) => fleet.id)).toContain(fleetId);
    expect(page.meta.total).toBeGreaterThanOrEqual(1);

    model.script(reply('Part one.'), reply('Part two.'));
    const queued = await client.fleets.deploy(fleetId, { task: 'Split the work', strategy: 'sequential', timeout: 60 });
    expect(queued.data.status).toBe('queued');
    expect(queued.data.strategy).toBe('sequential');
    const run = await waitUntil(
      async () => {
        const current = await client.fleets.getRun(fleetId, queued.data.id);

        return current.data.status === 'succeeded' || current.data.status === 'failed' ? current.data : undefined;
      },
      15_000,
      () => 'the run to finish',
    );
    expect(run.status).toBe('succeeded');
    expect(run.result.output).toBe('Part two.');
    expect(run.steps.map((step) => step.agent_name)).toEqual(['First', 'Second']);
    const runs = await client.fleets.listRuns(fleetId);
    expect(runs.data.map((entry) => entry.id)).toEqual([queued.data.id]);

    const cancelError = await caught(client.fleets.cancelRun(fleetId, queued.data.id));
    expect(cancelError).toBeInstanceOf(ApiError);
    expect((cancelError as ApiError).status).toBe(409);
    expect((await client.fleets.delete(fleetId)).data).toEqual({ id: fleetId, deleted: true });
    expect(await caught(client.fleets.get(fleetId))).toBeInstanceOf(NotFoundError);
  });

  it('cancels a run and deletes a busy fleet with force', async () => {
    const fleet = (await client.fleets.create({ name: 'Busy Team' })).data;
    await client.agents.create({ agent_name: 'Worker', agent_role: 'generalist', fleet_id: fleet.id });
    model.script(gated(new Promise<void>(() => {}), reply('never sent')), gated(new Promise<void>(() => {}), reply('never sent')));
    const first = (await client.fleets.deploy(fleet.id, { task: 'Wait forever' })).data;
    const cancelled = await client.fleets.cancelRun(fleet.id, first.id);
    expect(cancelled.data.status).toBe('cancelled');
    expect(cancelled.data.steps[0]!.status).toBe('cancelled');

    await client.fleets.deploy(fleet.id, { task: 'Wait again' });
    const conflict = await caught(client.fleets.delete(fleet.id));
    expect((conflict as ApiError).status).toBe(409);
    expect((await client.fleets.delete(fleet.id, { force: 'true' })).data.deleted).toBe(true);
  });

  it('raises validation errors with the field', async () => {
    const error = await caught(client.fleets.create({ name: 'Bad', max_agents: 0 }));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details.map((issue) => issue.field)).toEqual(['max_agents']);
    expect(error).not.toBeInstanceOf(ConnectionError);
  });
});
