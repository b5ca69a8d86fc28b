import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gated, reply, startModelServer, type ModelServer } from '../support/model-server.js';
import {
  createProcessDatabase,
  keyForProcess,
  requestProcess,
  startServerProcess,
  type ProcessDatabase,
  type ServerProcess,
} from '../support/process.js';
import { call, createTestAccount, createTestDatabase, databaseKind, startServer, type TestServer } from '../support/server.js';
import { waitUntil } from '../support/webhooks.js';

let database: ProcessDatabase;
let model: ModelServer;

beforeAll(async () => {
  model = await startModelServer();
  database = await createProcessDatabase('fleets');
});

afterAll(async () => {
  await model?.close();
  await database?.drop();
});

function keyFor(server: ServerProcess): Promise<string> {
  return keyForProcess(server, database, { email: 'fleet-crash@example.com', plan: 'enterprise' });
}

const request = requestProcess;

describe('fleet run across a crash', () => {
  it('retries the interrupted step after SIGKILL and finishes the run', async () => {
    const env = {
      ...database.env,
      RATE_LIMITS: 'off',
      OPENAI_BASE_URL: model.baseUrl,
      LLM_DEFAULT_MODEL: 'fleet-model',
      LLM_MAX_RETRIES: '0',
      EVENTS_POLL_INTERVAL_MS: '100',
      FLEET_STEP_LEASE_MS: '1500',
    };
    const first = await startServerProcess(env);
    let second: ServerProcess | undefined;
    try {
      const key = await keyFor(first);
      const fleet = await request(first, key, 'POST', '/api/v1/fleets', { name: 'Crash Team' });
      expect(fleet.status).toBe(201);
      const fleetId = fleet.body.data.id as number;
      for (const name of ['Ada', 'Brian', 'Chen']) {
        const agent = await request(first, key, 'POST', '/api/v1/agents', { agent_name: name, agent_role: 'specialist', fleet_id: fleetId });
        expect(agent.status).toBe(201);
      }

      // The second step's model call never responds, so the server dies in the middle of it.
      model.script(reply('Outline ready.'), gated(new Promise<void>(() => {}), reply('never sent')));
      const deployed = await request(first, key, 'POST', `/api/v1/fleets/${fleetId}/deploy`, {
        task: 'Write the incident report',
        strategy: 'sequential',
      });
      expect(deployed.status).toBe(202);
      const runId = deployed.body.data.id as number;
      await model.waitForRequests(2, 20_000);
      const during = await request(first, key, 'GET', `/api/v1/fleets/${fleetId}/runs/${runId}`);
      expect(during.body.data.steps.map((step: { status: string }) => step.status)).toEqual(['succeeded', 'running', 'waiting']);

      first.child.kill('SIGKILL');
      await first.exited;
      expect(first.stdout()).not.toContain('"msg":"stopped"');
      await model.requests[1]!.closed;

      model.script(reply('Report drafted.'), reply('Report reviewed.'));
      second = await startServerProcess(env);
      const run = await waitUntil(
        async () => {
          const current = await request(second!, key, 'GET', `/api/v1/fleets/${fleetId}/runs/${runId}`);

          return ['succeeded', 'failed'].includes(current.body.data.status) ? current.body.data : undefined;
        },
        30_000,
        () => 'the run to finish after the restart',
      );

      expect(run.status).toBe('succeeded');
      expect(run.steps.map((step: { status: string }) => step.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
      expect(run.steps.map((step: { attempts: number }) => step.attempts)).toEqual([1, 2, 1]);
      expect(run.steps.map((step: { reply: string }) => step.reply)).toEqual(['Outline ready.', 'Report drafted.', 'Report reviewed.']);
      expect(run.result.output).toBe('Report reviewed.');
      // Four model calls in all: the interrupted one and its retry, and one for each other step.
      expect(model.requests).toHaveLength(4);
      expect(model.requests[2]!.body.messages.at(-1).content).toBe(model.requests[1]!.body.messages.at(-1).content);
      expect(model.requests[2]!.body.messages.at(-1).content).toContain('Outline ready.');
      expect(model.requests[3]!.body.messages.at(-1).content).toContain('Report drafted.');
      expect(second.stdout()).toContain('retrying a fleet step that a stopped server left unfinished');

      const fleetAfter = await request(second, key, 'GET', `/api/v1/fleets/${fleetId}`);
      expect(fleetAfter.body.data.tasks_completed).toBe(1);
      expect(fleetAfter.body.data.status).toBe('active');
    } finally {
      if (first.child.exitCode === null && first.child.signalCode === null) {
        first.child.kill('SIGKILL');
      }
      if (second !== undefined) {
        second.child.kill('SIGTERM');
        expect(await second.exited).toBe(0);
      }
    }
  }, 180_000);
});

describe.skipIf(databaseKind === 'pglite')('fleet runs on two instances', () => {
  let shared: { url: string; drop(): Promise<void> };
  let servers: TestServer[] = [];
  let key: string;

  beforeAll(async () => {
    shared = await createTestDatabase();
    const env = {
      DATABASE_URL: shared.url,
      OPENAI_BASE_URL: model.baseUrl,
      LLM_DEFAULT_MODEL: 'fleet-model',
      LLM_MAX_RETRIES: '0',
      EVENTS_POLL_INTERVAL_MS: '50',
      FLEET_CONCURRENCY: '2',
      FLEET_STEP_MAX_ATTEMPTS: '2',
    };
    servers = [await startServer(env), await startServer(env)];
    key = (await createTestAccount(servers[0]!, { account: { plan: 'enterprise' } })).key;
  });
  afterAll(async () => {
    for (const server of servers) {
      await server.stop();
    }
    await shared?.drop();
  });

  it('shares the steps of a run without running one twice', async () => {
    const [first, second] = servers as [TestServer, TestServer];
    const fleet = await call(first, 'POST', '/api/v1/fleets', { token: key, json: { name: 'Shared Team' } });
    const fleetId = fleet.body.data.id as number;
    for (const name of ['One', 'Two', 'Three', 'Four']) {
      await call(first, 'POST', '/api/v1/agents', { token: key, json: { agent_name: name, agent_role: 'generalist', fleet_id: fleetId } });
    }
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    model.script(...[1, 2, 3, 4].map((number) => gated(gate, reply(`Answer ${number}.`))));
    const before = model.requests.length;
    const deployed = await call(second, 'POST', `/api/v1/fleets/${fleetId}/deploy`, { token: key, json: { task: 'Share this' } });
    expect(deployed.status).toBe(202);
    // Each instance runs at most two steps at once, so four waiting calls need both.
    await model.waitForRequests(before + 4, 15_000);
    release();

    const run = await waitUntil(
      async () => {
        const current = await call(first, 'GET', `/api/v1/fleets/${fleetId}/runs/${deployed.body.data.id}`, { token: key });

        return current.body.data.status === 'succeeded' ? current.body.data : undefined;
      },
      15_000,
      () => 'the shared run to succeed',
    );
    expect(run.steps.map((step: { attempts: number }) => step.attempts)).toEqual([1, 1, 1, 1]);
    expect(model.requests.length - before).toBe(4);
    const finishedOn = servers.map((server) => server.logs.filter((line) => line.msg === 'fleet step finished').length);
    expect(finishedOn).toEqual([2, 2]);
  });

  it('fails a step interrupted on its last attempt', async () => {
    const [first] = servers as [TestServer];
    const fleet = await call(first, 'POST', '/api/v1/fleets', { token: key, json: { name: 'Unlucky Team' } });
    const fleetId = fleet.body.data.id as number;
    await call(first, 'POST', '/api/v1/agents', { token: key, json: { agent_name: 'Solo', agent_role: 'generalist', fleet_id: fleetId } });
    model.script(gated(new Promise<void>(() => {}), reply('never sent')));
    const deployed = await call(first, 'POST', `/api/v1/fleets/${fleetId}/deploy`, { token: key, json: { task: 'Crash twice' } });
    const runId = deployed.body.data.id as number;
    await waitUntil(async () => ((await first.prisma.fleetRunStep.findFirst({ where: { runId, status: 'running' } })) === null ? undefined : true));

    // The state a server leaves behind when it dies during the last allowed attempt: the
    // step still running under a lease that has run out.
    await first.prisma.fleetRunStep.updateMany({
      where: { runId },
      data: { attempts: 2, leaseExpiresAt: new Date(Date.now() - 1000) },
    });
    const run = await waitUntil(
      async () => {
        const current = await call(first, 'GET', `/api/v1/fleets/${fleetId}/runs/${runId}`, { token: key });

        return current.body.data.status === 'failed' ? current.body.data : undefined;
      },
      15_000,
      () => 'the run to fail',
    );
    expect(run.steps[0].status).toBe('failed');
    expect(run.steps[0].error.message).toContain('2 attempts');
    expect(run.error.message).toContain('Step 0 (agent Solo) failed');
  });
});
