import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computed, gated, reply, startModelServer, type ModelServer, type ModelTurn } from '../support/model-server.js';
import { call, createTestAccount, graphql, startServer, type TestServer } from '../support/server.js';
import { subscribeOverWebSocket } from '../support/subscriptions.js';
import { waitUntil } from '../support/webhooks.js';

type Response = Awaited<ReturnType<typeof call>>;

function expectError(response: Response, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(response.body.error.code).toBe(code);
  expect(response.body.error.status).toBe(status);
  expect(response.body.error.message).not.toBe('');
}

/** Creates a gate that a test opens once it has seen the requests it waits for. */
function createGate(): { open: Promise<void>; release(): void } {
  let release!: () => void;
  const open = new Promise<void>((resolve) => {
    release = resolve;
  });

  return { open, release };
}

/** Scripts a model call that never responds, because agent runs use JSON completions, which `stall` cannot script. */
function hang(): ModelTurn {
  return gated(new Promise<void>(() => {}), reply('never sent'));
}

function systemPromptOf(request: { body: any }): string {
  return request.body.messages[0].content as string;
}

function userMessageOf(request: { body: any }): string {
  return request.body.messages.at(-1).content as string;
}

/**
 * Scripts `count` gated replies of "<task> done.", each built from the request it answers,
 * because agents working at the same time reach the model in no fixed order.
 */
function echoDone(count: number, open: Promise<void>): ModelTurn[] {
  return Array.from({ length: count }, () =>
    gated(open, computed((body) => reply(`${String(body.messages.at(-1)!.content)} done.`))),
  );
}

describe('fleets', () => {
  let model: ModelServer;
  let server: TestServer;
  let key: string;
  let accountId: number;

  beforeAll(async () => {
    model = await startModelServer();
    server = await startServer({
      OPENAI_BASE_URL: model.baseUrl,
      LLM_DEFAULT_MODEL: 'fleet-model',
      LLM_MAX_RETRIES: '0',
      LLM_TIMEOUT_MS: '30000',
      EVENTS_POLL_INTERVAL_MS: '50',
      FLEET_AUTOSCALE_MAX_AGENTS: '3',
    });
    const owner = await createTestAccount(server, { account: { plan: 'enterprise' } });
    key = owner.key;
    accountId = owner.account.id;
  });
  afterAll(async () => {
    await server?.stop();
    await model?.close();
  });

  async function createFleet(fields: Record<string, unknown> = {}, token = key) {
    const created = await call(server, 'POST', '/api/v1/fleets', { token, json: { name: 'Support Team', ...fields } });
    expect(created.status).toBe(201);

    return created.body.data as { id: number; name: string; [field: string]: unknown };
  }

  async function addAgent(fleetId: number, name: string, token = key) {
    const created = await call(server, 'POST', '/api/v1/agents', {
      token,
      json: { agent_name: name, agent_role: 'specialist', fleet_id: fleetId },
    });
    expect(created.status).toBe(201);

    return created.body.data as { id: number; agent_name: string };
  }

  async function fleetOfThree(fields: Record<string, unknown> = {}) {
    const fleet = await createFleet(fields);
    const agents = [];
    for (const name of ['Ada', 'Brian', 'Chen']) {
      agents.push(await addAgent(fleet.id, `${name} ${fleet.id}`));
    }

    return { fleet, agents };
  }

  function deploy(fleetId: number, body: unknown, token = key) {
    return call(server, 'POST', `/api/v1/fleets/${fleetId}/deploy`, { token, json: body });
  }

  async function runOf(fleetId: number, runId: number) {
    const response = await call(server, 'GET', `/api/v1/fleets/${fleetId}/runs/${runId}`, { token: key });
    expect(response.status).toBe(200);

    return response.body.data;
  }

  function waitForRun(fleetId: number, runId: number, statuses: string[] = ['succeeded', 'failed', 'timed_out', 'cancelled']) {
    return waitUntil(
      async () => {
        const run = await runOf(fleetId, runId);

        return statuses.includes(run.status) ? run : undefined;
      },
      20_000,
      () => `run ${runId} to reach ${statuses.join(' or ')}`,
    );
  }

  describe('resource', () => {
    it('creates a fleet with defaults', async () => {
      const response = await call(server, 'POST', '/api/v1/fleets', { token: key, json: { name: 'Support Team' } });
      expect(response.status).toBe(201);
      const fleet = response.body.data;
      expect(Object.keys(fleet).sort()).toEqual(
        ['agent_count', 'auto_scale', 'created_at', 'description', 'id', 'max_agents', 'name', 'status', 'tasks_completed', 'updated_at'].sort(),
      );
      expect(fleet).toMatchObject({
        name: 'Support Team',
        description: '',
        status: 'active',
        max_agents: 5,
        auto_scale: false,
        agent_count: 0,
        tasks_completed: 0,
      });
      expect(fleet.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);

      const events = await server.prisma.event.findMany({ where: { accountId, type: 'fleet.created' } });
      const event = events.find((entry) => (entry.data as { fleet_id: number }).fleet_id === fleet.id);
      expect(event?.data).toEqual({ fleet_id: fleet.id, fleet_name: 'Support Team', max_agents: 5, auto_scale: false });
    });

    it('rejects invalid fields', async () => {
      const cases: [unknown, string][] = [
        [{}, 'name'],
        [{ name: '   ' }, 'name'],
        [{ name: 7 }, 'name'],
        [{ name: 'x'.repeat(101) }, 'name'],
        [{ name: 'A', description: 5 }, 'description'],
        [{ name: 'A', description: 'x'.repeat(1001) }, 'description'],
        [{ name: 'A', max_agents: 0 }, 'max_agents'],
        [{ name: 'A', max_agents: 101 }, 'max_agents'],
        [{ name: 'A', max_agents: 2.5 }, 'max_agents'],
        [{ name: 'A', max_agents: '5' }, 'max_agents'],
        [{ name: 'A', auto_scale: 'yes' }, 'auto_scale'],
        [{ name: 'A', status: 'running' }, 'status'],
        [{ name: 'A', agent_count: 3 }, 'agent_count'],
      ];
      for (const [body, field] of cases) {
        const response = await call(server, 'POST', '/api/v1/fleets', { token: key, json: body });
        expectError(response, 400, 'validation_error');
        expect(response.body.error.details.map((issue: { field: string }) => issue.field)).toContain(field);
      }
    });

    it('updates only the given fields', async () => {
      const fleet = await createFleet({ description: 'first' });
      const updated = await call(server, 'PUT', `/api/v1/fleets/${fleet.id}`, { token: key, json: { max_agents: 8, auto_scale: true } });
      expect(updated.status).toBe(200);
      expect(updated.body.data).toMatchObject({ name: 'Support Team', description: 'first', max_agents: 8, auto_scale: true });
      const cleared = await call(server, 'PUT', `/api/v1/fleets/${fleet.id}`, { token: key, json: { description: null, name: 'Renamed' } });
      expect(cleared.body.data).toMatchObject({ name: 'Renamed', description: '' });
      expectError(await call(server, 'PUT', `/api/v1/fleets/${fleet.id}`, { token: key, json: { name: null } }), 400, 'validation_error');
      expectError(await call(server, 'PUT', `/api/v1/fleets/${fleet.id}`, { token: key, json: { tasks_completed: 3 } }), 400, 'validation_error');
    });

    it('lists fleets with pagination', async () => {
      const other = await createTestAccount(server);
      for (const name of ['One', 'Two', 'Three']) {
        await createFleet({ name }, other.key);
      }
      const page = await call(server, 'GET', '/api/v1/fleets?per_page=2&page=2', { token: other.key });
      expect(page.status).toBe(200);
      expect(page.body.data.map((fleet: { name: string }) => fleet.name)).toEqual(['Three']);
      expect(page.body.meta).toEqual({ total: 3, page: 2, per_page: 2, total_pages: 2 });
      expectError(await call(server, 'GET', '/api/v1/fleets?per_page=500', { token: other.key }), 400, 'validation_error');
    });

    it("hides other accounts' fleets", async () => {
      const fleet = await createFleet();
      const stranger = await createTestAccount(server);
      for (const [method, path, json] of [
        ['GET', `/api/v1/fleets/${fleet.id}`, undefined],
        ['PUT', `/api/v1/fleets/${fleet.id}`, { name: 'Mine' }],
        ['DELETE', `/api/v1/fleets/${fleet.id}`, undefined],
        ['POST', `/api/v1/fleets/${fleet.id}/deploy`, { task: 'Work' }],
        ['GET', `/api/v1/fleets/${fleet.id}/runs`, undefined],
      ] as const) {
        expectError(await call(server, method, path, { token: stranger.key, json }), 404, 'resource_not_found');
      }
      const join = await call(server, 'POST', '/api/v1/agents', {
        token: stranger.key,
        json: { agent_name: 'Intruder', agent_role: 'generalist', fleet_id: fleet.id },
      });
      expectError(join, 400, 'validation_error');
      const list = await call(server, 'GET', '/api/v1/fleets', { token: stranger.key });
      expect(list.body.data).toEqual([]);
      expectError(await call(server, 'GET', '/api/v1/fleets/abc', { token: key }), 404, 'resource_not_found');
      expectError(await call(server, 'GET', '/api/v1/fleets/99999999999', { token: key }), 404, 'resource_not_found');
    });

    it('needs the fleet scopes', async () => {
      const reader = await createTestAccount(server, { key: { scopes: ['fleets:read'] } });
      expectError(await call(server, 'POST', '/api/v1/fleets', { token: reader.key, json: { name: 'A' } }), 403, 'insufficient_scope');
      expect((await call(server, 'GET', '/api/v1/fleets', { token: reader.key })).status).toBe(200);
      expectError(await call(server, 'GET', '/api/v1/fleets'), 401, 'auth_required');
    });

    it('enforces the fleet quota of the plan', async () => {
      const free = await createTestAccount(server, { account: { plan: 'free' } });
      expect((await call(server, 'POST', '/api/v1/fleets', { token: free.key, json: { name: 'First' } })).status).toBe(201);
      expectError(await call(server, 'POST', '/api/v1/fleets', { token: free.key, json: { name: 'Second' } }), 403, 'quota_exceeded');
      const usage = await call(server, 'GET', '/api/v1/usage', { token: free.key });
      expect(usage.body.data.fleets_active).toEqual({ used: 1, limit: 1 });
    });

    it('keeps a fleet within max_agents unless it auto-scales', async () => {
      const fleet = await createFleet({ max_agents: 2 });
      await addAgent(fleet.id, 'One');
      await addAgent(fleet.id, 'Two');
      const third = await call(server, 'POST', '/api/v1/agents', {
        token: key,
        json: { agent_name: 'Three', agent_role: 'generalist', fleet_id: fleet.id },
      });
      expectError(third, 409, 'conflict');
      expect(third.body.error.message).toContain('2 of its 2');
      expect((await call(server, 'GET', `/api/v1/fleets/${fleet.id}`, { token: key })).body.data.agent_count).toBe(2);

      expectError(await call(server, 'PUT', `/api/v1/fleets/${fleet.id}`, { token: key, json: { max_agents: 1 } }), 409, 'conflict');

      await call(server, 'PUT', `/api/v1/fleets/${fleet.id}`, { token: key, json: { auto_scale: true } });
      await addAgent(fleet.id, 'Three');
      expect((await call(server, 'GET', `/api/v1/fleets/${fleet.id}`, { token: key })).body.data.agent_count).toBe(3);
      expectError(await call(server, 'PUT', `/api/v1/fleets/${fleet.id}`, { token: key, json: { auto_scale: false } }), 409, 'conflict');
    });

    it('detaches agents when a fleet is deleted', async () => {
      const fleet = await createFleet();
      const agent = await addAgent(fleet.id, 'Stays');
      const deleted = await call(server, 'DELETE', `/api/v1/fleets/${fleet.id}`, { token: key });
      expect(deleted.status).toBe(200);
      expect(deleted.body.data).toEqual({ id: fleet.id, deleted: true });
      const after = await call(server, 'GET', `/api/v1/agents/${agent.id}`, { token: key });
      expect(after.status).toBe(200);
      expect(after.body.data.fleet_id).toBeNull();
      expectError(await call(server, 'GET', `/api/v1/fleets/${fleet.id}`, { token: key }), 404, 'resource_not_found');
      expectError(await call(server, 'DELETE', `/api/v1/fleets/${fleet.id}?force=maybe`, { token: key }), 400, 'validation_error');
    });
  });

  describe('deploy', () => {
    it('validates the run request', async () => {
      const { fleet } = await fleetOfThree();
      const cases: [unknown, string][] = [
        [{}, 'task'],
        [{ task: '' }, 'task'],
        [{ task: 5 }, 'task'],
        [{ task: 'x'.repeat(10_001) }, 'task'],
        [{ task: 'Work', strategy: 'random' }, 'strategy'],
        [{ task: 'Work', strategy: 'round_robin' }, 'strategy'],
        [{ task: 'Work', timeout: 0 }, 'timeout'],
        [{ task: 'Work', timeout: 86_401 }, 'timeout'],
        [{ task: 'Work', timeout: 1.5 }, 'timeout'],
        [{ task: 'Work', agents: [1] }, 'agents'],
      ];
      for (const [body, field] of cases) {
        const response = await deploy(fleet.id, body);
        expectError(response, 400, 'validation_error');
        expect(response.body.error.details.map((issue: { field: string }) => issue.field)).toContain(field);
      }
      expectError(await deploy((await createFleet()).id, { task: 'Work' }), 409, 'conflict');
    });

    it('runs every agent at once in a parallel run', async () => {
      const { fleet, agents } = await fleetOfThree();
      const gate = createGate();
      model.script(
        gated(gate.open, reply('First answer.')),
        gated(gate.open, reply('Second answer.')),
        gated(gate.open, reply('Third answer.')),
      );
      const before = model.requests.length;
      const response = await deploy(fleet.id, { task: 'Summarise the ticket backlog', timeout: 120 });
      expect(response.status).toBe(202);
      const queued = response.body.data;
      expect(queued).toMatchObject({ fleet_id: fleet.id, strategy: 'parallel', status: 'queued', timeout: 120, task: 'Summarise the ticket backlog' });
      expect(queued.steps.map((step: { agent_id: number }) => step.agent_id)).toEqual(agents.map((agent) => agent.id));

      // All three requests arrive before any response is sent, so the agents work at once.
      await model.waitForRequests(before + 3, 10_000);
      gate.release();
      const run = await waitForRun(fleet.id, queued.id);
      expect(run.status).toBe('succeeded');

      const requests = model.requests.slice(before);
      expect(requests).toHaveLength(3);
      const answers = ['First answer.', 'Second answer.', 'Third answer.'];
      for (const [index, request] of requests.entries()) {
        expect(userMessageOf(request)).toBe('Summarise the ticket backlog');
        const agent = agents.find((candidate) => systemPromptOf(request).includes(`You are ${candidate.agent_name}`))!;
        expect(agent).toBeDefined();
        const step = run.steps.find((entry: { agent_id: number }) => entry.agent_id === agent.id);
        expect(step.reply).toBe(answers[index]);
      }
      expect(new Set(requests.map(systemPromptOf)).size).toBe(3);
      expect(run.result.output).toBeNull();
      expect(run.result.replies).toHaveLength(3);
      expect(run.steps.every((step: { status: string; attempts: number }) => step.status === 'succeeded' && step.attempts === 1)).toBe(true);

      const refreshed = (await call(server, 'GET', `/api/v1/fleets/${fleet.id}`, { token: key })).body.data;
      expect(refreshed.tasks_completed).toBe(1);
      expect(refreshed.status).toBe('active');
      const events = await server.prisma.event.findMany({ where: { accountId, type: 'fleet.deployed' } });
      const event = events.find((entry) => (entry.data as { run_id: number }).run_id === queued.id);
      expect(event?.data).toEqual({
        fleet_id: fleet.id,
        fleet_name: 'Support Team',
        run_id: queued.id,
        task: 'Summarise the ticket backlog',
        strategy: 'parallel',
        agent_count: 3,
      });
    });

    it('hands each output on in a sequential run', async () => {
      const { fleet, agents } = await fleetOfThree();
      model.script(reply('Draft one.'), reply('Draft two.'), reply('Final text.'));
      const before = model.requests.length;
      const response = await deploy(fleet.id, { task: 'Write the release note', strategy: 'sequential' });
      expect(response.status).toBe(202);
      expect(response.body.data.steps.map((step: { status: string }) => step.status)).toEqual(['pending', 'waiting', 'waiting']);
      const run = await waitForRun(fleet.id, response.body.data.id);
      expect(run.status).toBe('succeeded');

      const requests = model.requests.slice(before);
      expect(requests).toHaveLength(3);
      for (const [index, agent] of agents.entries()) {
        expect(systemPromptOf(requests[index]!)).toContain(`You are ${agent.agent_name}`);
      }
      expect(userMessageOf(requests[0]!)).toBe('Write the release note');
      expect(userMessageOf(requests[1]!)).toContain('Write the release note');
      expect(userMessageOf(requests[1]!)).toContain(`(${agents[0]!.agent_name})`);
      expect(userMessageOf(requests[1]!)).toContain('Draft one.');
      expect(userMessageOf(requests[2]!)).toContain('Draft two.');
      expect(userMessageOf(requests[2]!)).not.toContain('Draft one.');
      expect(run.steps.map((step: { reply: string }) => step.reply)).toEqual(['Draft one.', 'Draft two.', 'Final text.']);
      expect(run.steps[1].input).toBe(userMessageOf(requests[1]!));
      expect(run.result.output).toBe('Final text.');
    });

    it('stops a sequential run at the first failure', async () => {
      const { fleet } = await fleetOfThree();
      model.script(reply('Draft one.'));
      const before = model.requests.length;
      // Nothing more is scripted, so the second call gets HTTP 500 from the model server.
      const response = await deploy(fleet.id, { task: 'Write it', strategy: 'sequential' });
      const run = await waitForRun(fleet.id, response.body.data.id);
      expect(run.status).toBe('failed');
      expect(run.error.code).toBe('upstream_error');
      expect(run.steps.map((step: { status: string }) => step.status)).toEqual(['succeeded', 'failed', 'cancelled']);
      expect(run.steps[2].input).toBeNull();
      expect(model.requests.length - before).toBe(2);
      expect((await call(server, 'GET', `/api/v1/fleets/${fleet.id}`, { token: key })).body.data.tasks_completed).toBe(0);
    });

    it('hands round-robin tasks to agents in turn', async () => {
      const { fleet, agents } = await fleetOfThree();
      const gate = createGate();
      model.script(...echoDone(4, gate.open));
      const before = model.requests.length;
      const runs = [];
      for (const word of ['one', 'two', 'three', 'four']) {
        const response = await deploy(fleet.id, { task: `Task ${word}`, strategy: 'round-robin' });
        expect(response.status).toBe(202);
        expect(response.body.data.strategy).toBe('round-robin');
        expect(response.body.data.steps[0].agent_id).toBeNull();
        runs.push(response.body.data.id as number);
      }
      await model.waitForRequests(before + 3, 10_000);
      // Every agent is working on a task, so the fourth waits for the first agent to be free.
      const waiting = await runOf(fleet.id, runs[3]!);
      expect(waiting.status).toBe('queued');
      expect(waiting.steps[0].agent_id).toBeNull();
      gate.release();

      const finished = [];
      for (const runId of runs) {
        finished.push(await waitForRun(fleet.id, runId));
      }
      const order = [agents[0]!, agents[1]!, agents[2]!, agents[0]!];
      for (const [index, run] of finished.entries()) {
        expect(run.status).toBe('succeeded');
        expect(run.steps[0].agent_id).toBe(order[index]!.id);
        expect(run.result.output).toBe(`Task ${['one', 'two', 'three', 'four'][index]} done.`);
      }
      // The first three tasks run at once and reach the model in any order; the fourth
      // starts only after the first agent is free again.
      const requests = model.requests.slice(before);
      expect(requests.slice(0, 3).map((request) => userMessageOf(request)).sort()).toEqual(['Task one', 'Task three', 'Task two']);
      expect(userMessageOf(requests[3]!)).toBe('Task four');
      expect(systemPromptOf(requests[3]!)).toContain(`You are ${agents[0]!.agent_name}`);
      expect((await call(server, 'GET', `/api/v1/fleets/${fleet.id}`, { token: key })).body.data.tasks_completed).toBe(4);
    });

    it('adds agents for queued round-robin work and removes them when idle', async () => {
      const fleet = await createFleet({ max_agents: 1, auto_scale: true });
      const first = await addAgent(fleet.id, 'Primary');
      const gate = createGate();
      model.script(...echoDone(4, gate.open));
      const before = model.requests.length;
      const runs = [];
      for (const number of [1, 2, 3, 4]) {
        runs.push((await deploy(fleet.id, { task: `Job ${number}`, strategy: 'round-robin' })).body.data.id as number);
      }
      await model.waitForRequests(before + 3, 10_000);
      // FLEET_AUTOSCALE_MAX_AGENTS is 3: two copies joined, and the fourth job waits.
      const busy = (await call(server, 'GET', `/api/v1/fleets/${fleet.id}`, { token: key })).body.data;
      expect(busy.agent_count).toBe(3);
      expect((await runOf(fleet.id, runs[3]!)).steps[0].agent_id).toBeNull();
      gate.release();

      const finished = [];
      for (const runId of runs) {
        finished.push(await waitForRun(fleet.id, runId));
      }
      expect(finished.every((run) => run.status === 'succeeded')).toBe(true);
      expect(finished[0].steps[0].agent_id).toBe(first.id);
      expect(finished[1].steps[0].agent_name).toBe('Primary (auto-scaled #2)');
      expect(finished[2].steps[0].agent_name).toBe('Primary (auto-scaled #3)');
      const secondJob = model.requests.slice(before).find((request) => userMessageOf(request) === 'Job 2')!;
      expect(systemPromptOf(secondJob)).toContain('You are Primary (auto-scaled #2)');
      expect(finished.map((run) => run.result.output)).toEqual(['Job 1 done.', 'Job 2 done.', 'Job 3 done.', 'Job 4 done.']);

      const idle = await waitUntil(
        async () => {
          const current = (await call(server, 'GET', `/api/v1/fleets/${fleet.id}`, { token: key })).body.data;

          return current.agent_count === 1 ? current : undefined;
        },
        10_000,
        () => 'auto-scaled agents to be removed',
      );
      expect(idle.tasks_completed).toBe(4);
      const remaining = await server.prisma.agent.findMany({ where: { fleetId: fleet.id } });
      expect(remaining.map((agent) => agent.id)).toEqual([first.id]);
    });

    it('marks a run past its timeout timed_out', async () => {
      const { fleet, agents } = await fleetOfThree();
      model.script(hang(), hang(), hang());
      const before = model.requests.length;
      const response = await deploy(fleet.id, { task: 'Never finishes', timeout: 1 });
      expect(response.status).toBe(202);
      const run = await waitForRun(fleet.id, response.body.data.id);
      expect(run.status).toBe('timed_out');
      expect(run.error.message).toContain('timeout of 1 s');
      expect(run.steps.map((step: { status: string }) => step.status)).toEqual(['timed_out', 'timed_out', 'timed_out']);
      // The workers gave up the model requests rather than waiting for them.
      const requests = model.requests.slice(before);
      await Promise.all(requests.map((request) => request.closed));
      expect(requests.every((request) => request.aborted)).toBe(true);
      const refreshed = (await call(server, 'GET', `/api/v1/fleets/${fleet.id}`, { token: key })).body.data;
      expect(refreshed.tasks_completed).toBe(0);
      expect(refreshed.status).toBe('active');
      // The agents' own runs were stopped, which is no server fault.
      const agentRuns = await waitUntil(
        async () => {
          const rows = await server.prisma.agentRun.findMany({ where: { agentId: { in: agents.map((agent) => agent.id) } } });

          return rows.length === 3 && rows.every((row) => row.status === 'failed') ? rows : undefined;
        },
        10_000,
        () => 'the stopped agent runs to be recorded',
      );
      expect(agentRuns.map((row) => row.errorCode)).toEqual(['run_stopped', 'run_stopped', 'run_stopped']);
    });

    it('cancels a run on request', async () => {
      const { fleet } = await fleetOfThree();
      model.script(hang());
      const before = model.requests.length;
      const response = await deploy(fleet.id, { task: 'Long job', strategy: 'sequential' });
      await model.waitForRequests(before + 1, 10_000);
      const path = `/api/v1/fleets/${fleet.id}/runs/${response.body.data.id}/cancel`;
      expect((await call(server, 'GET', `/api/v1/fleets/${fleet.id}`, { token: key })).body.data.status).toBe('running');
      expectError(await call(server, 'DELETE', `/api/v1/fleets/${fleet.id}`, { token: key }), 409, 'conflict');

      const cancelled = await call(server, 'POST', path, { token: key });
      expect(cancelled.status).toBe(200);
      expect(cancelled.body.data.status).toBe('cancelled');
      expect(cancelled.body.data.steps.map((step: { status: string }) => step.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
      await model.requests[before]!.closed;
      expect(model.requests[before]!.aborted).toBe(true);
      expectError(await call(server, 'POST', path, { token: key }), 409, 'conflict');
      expectError(await call(server, 'POST', path, { token: key, json: { reason: 'x' } }), 400, 'validation_error');
      expect(model.requests.length - before).toBe(1);

      const runs = await call(server, 'GET', `/api/v1/fleets/${fleet.id}/runs`, { token: key });
      expect(runs.body.meta.total).toBe(1);
      expect(runs.body.data[0].id).toBe(response.body.data.id);
      expectError(await call(server, 'GET', `/api/v1/fleets/${fleet.id}/runs/999999`, { token: key }), 404, 'resource_not_found');
    });

    it('deletes a fleet with an active run when forced', async () => {
      const { fleet, agents } = await fleetOfThree();
      model.script(hang(), hang(), hang());
      const before = model.requests.length;
      await deploy(fleet.id, { task: 'Busy' });
      await model.waitForRequests(before + 3, 10_000);
      expectError(await call(server, 'DELETE', `/api/v1/fleets/${fleet.id}`, { token: key }), 409, 'conflict');
      expect((await call(server, 'DELETE', `/api/v1/fleets/${fleet.id}?force=true`, { token: key })).status).toBe(200);
      const requests = model.requests.slice(before);
      await Promise.all(requests.map((request) => request.closed));
      expect(requests.every((request) => request.aborted)).toBe(true);
      const agent = await call(server, 'GET', `/api/v1/agents/${agents[0]!.id}`, { token: key });
      expect(agent.body.data.fleet_id).toBeNull();
    });
  });

  describe('GraphQL', () => {
    it('manages fleets and follows a run', async () => {
      const created = await graphql(server, `mutation { createFleet(input: { name: "Graph Team", maxAgents: 3 }) { fleet { id databaseId name maxAgents autoScale agentCount status } } }`, { token: key });
      expect(created.body.errors).toBeUndefined();
      const fleet = created.body.data.createFleet.fleet;
      expect(fleet).toMatchObject({ name: 'Graph Team', maxAgents: 3, autoScale: false, agentCount: 0, status: 'active' });
      await addAgent(fleet.databaseId, 'Graph One');
      await addAgent(fleet.databaseId, 'Graph Two');

      const invalid = await graphql(server, `mutation($id: ID!) { updateFleet(input: { id: $id, maxAgents: 0 }) { fleet { id } } }`, {
        token: key,
        variables: { id: fleet.id },
      });
      expect(invalid.body.errors[0].extensions.code).toBe('validation_error');

      model.script(reply('Graph step one.'), reply('Graph step two.'));
      const deployed = await graphql(
        server,
        `mutation($id: ID!) { deployFleet(input: { id: $id, task: "Plan", strategy: sequential, timeout: 60 }) { run { id databaseId status strategy } } }`,
        { token: key, variables: { id: fleet.id } },
      );
      expect(deployed.body.errors).toBeUndefined();
      const run = deployed.body.data.deployFleet.run;
      expect(run).toMatchObject({ status: 'queued', strategy: 'sequential' });

      const probe = subscribeOverWebSocket<{ fleetRunProgress: { type: string; run: { status: string }; step: { position: number; status: string; reply: string | null } | null } }>(
        server.url,
        key,
        `subscription($id: ID!) { fleetRunProgress(id: $id) { type run { status } step { position status reply } } }`,
        { id: run.id },
      );
      try {
        await waitUntil(() => (probe.completed ? true : undefined), 15_000, () => `subscription to complete: ${JSON.stringify(probe.results)} ${JSON.stringify(probe.errors)}`);
        const progress = probe.results.map((result) => result.fleetRunProgress);
        expect(progress.map((entry) => `${entry.type}:${entry.step?.position ?? '-'}`)).toEqual([
          'STEP_STARTED:0',
          'STEP_FINISHED:0',
          'STEP_STARTED:1',
          'STEP_FINISHED:1',
          'RUN_FINISHED:-',
        ]);
        expect(progress[3]!.step!.reply).toBe('Graph step two.');
        expect(progress[4]!.run.status).toBe('succeeded');
      } finally {
        await probe.dispose();
      }

      const listed = await graphql(
        server,
        `query($id: ID!) { fleet(id: $id) { tasksCompleted agentCount agents(first: 5) { totalCount } runs(first: 5) { totalCount edges { node { output steps { agentName status } } } } } }`,
        { token: key, variables: { id: fleet.id } },
      );
      expect(listed.body.errors).toBeUndefined();
      expect(listed.body.data.fleet).toMatchObject({ tasksCompleted: 1, agentCount: 2, agents: { totalCount: 2 }, runs: { totalCount: 1 } });
      expect(listed.body.data.fleet.runs.edges[0].node.output).toBe('Graph step two.');

      const stranger = await createTestAccount(server);
      const hidden = await graphql(server, `query($id: ID!) { fleet(id: $id) { name } }`, { token: stranger.key, variables: { id: fleet.id } });
      expect(hidden.body.errors[0].extensions.code).toBe('resource_not_found');
      const connection = await graphql(server, `{ fleets(first: 10) { totalCount } }`, { token: stranger.key });
      expect(connection.body.data.fleets.totalCount).toBe(0);

      const removed = await graphql(server, `mutation($id: ID!) { deleteFleet(input: { id: $id }) { databaseId } }`, { token: key, variables: { id: fleet.id } });
      expect(removed.body.data.deleteFleet.databaseId).toBe(fleet.databaseId);
    });
  });
});

describe('fleets without a model provider', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('answers deploy with 503', async () => {
    const { key } = await createTestAccount(server);
    const fleet = await call(server, 'POST', '/api/v1/fleets', { token: key, json: { name: 'Idle' } });
    await call(server, 'POST', '/api/v1/agents', { token: key, json: { agent_name: 'A', agent_role: 'generalist', fleet_id: fleet.body.data.id } });
    const response = await call(server, 'POST', `/api/v1/fleets/${fleet.body.data.id}/deploy`, { token: key, json: { task: 'Work' } });
    expectError(response, 503, 'service_unavailable');
    expect(response.body.error.message).toContain('OPENAI_BASE_URL');
    expect(await server.prisma.fleetRun.count()).toBe(0);
    expectError(await call(server, 'POST', `/api/v1/fleets/${fleet.body.data.id}/deploy`, { token: key, json: {} }), 400, 'validation_error');
  });
});
