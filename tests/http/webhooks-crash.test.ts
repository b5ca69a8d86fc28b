import { verify } from '@octokit/webhooks-methods';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createProcessDatabase,
  freePort,
  keyForProcess,
  requestProcess,
  startServerProcess,
  type ProcessDatabase,
  type ServerProcess,
} from '../support/process.js';
import { fastDeliveryEnv, startWebhookReceiver, waitUntil } from '../support/webhooks.js';

let database: ProcessDatabase;

beforeAll(async () => {
  database = await createProcessDatabase('webhooks');
});

afterAll(async () => {
  await database?.drop();
});

function keyFor(server: ServerProcess): Promise<string> {
  return keyForProcess(server, database, { email: 'crash@example.com', plan: 'professional' });
}

const request = requestProcess;

describe('webhook queue across a crash', () => {
  it('delivers every pending delivery exactly once after SIGKILL', async () => {
    // The receiver's port is chosen now, but no server listens on it until after the
    // crash, so every attempt before it is refused and stays queued for a retry.
    const port = await freePort();
    const env = {
      ...database.env,
      ...fastDeliveryEnv,
      RATE_LIMITS: 'off',
      WEBHOOK_MAX_ATTEMPTS: '50',
      WEBHOOK_RETRY_BASE_MS: '100',
      WEBHOOK_RETRY_MAX_MS: '300',
    };
    const first = await startServerProcess(env);
    let second: ServerProcess | undefined;
    const receiver = { current: undefined as Awaited<ReturnType<typeof startWebhookReceiver>> | undefined };
    try {
      const key = await keyFor(first);
      const endpoint = await request(first, key, 'POST', '/api/v1/webhooks', { url: `http://127.0.0.1:${port}/`, events: ['agent.created'] });
      expect(endpoint.status).toBe(201);
      const { id: endpointId, secret } = endpoint.body.data as { id: number; secret: string };

      const names = ['one', 'two', 'three', 'four', 'five'];
      for (const name of names) {
        expect((await request(first, key, 'POST', '/api/v1/agents', { agent_name: name, agent_role: 'generalist' })).status).toBe(201);
      }
      await waitUntil(async () => {
        const list = await request(first, key, 'GET', `/api/v1/webhooks/${endpointId}/deliveries`);
        const retried = list.body.data.filter((delivery: { attempt_count: number }) => delivery.attempt_count >= 1);

        return retried.length === names.length ? true : undefined;
      }, 30_000, () => 'every delivery to have failed at least once');
      // Two more events, killed before or after the dispatcher queued them.
      for (const name of ['six', 'seven']) {
        names.push(name);
        expect((await request(first, key, 'POST', '/api/v1/agents', { agent_name: name, agent_role: 'generalist' })).status).toBe(201);
      }
      first.child.kill('SIGKILL');
      await first.exited;
      expect(first.stdout()).not.toContain('"msg":"stopped"');

      receiver.current = await startWebhookReceiver(() => 200, { port });
      second = await startServerProcess(env);
      await receiver.current.waitForRequests(names.length, 60_000);
      // Time for a duplicate, if any, to arrive.
      await new Promise((resolve) => setTimeout(resolve, 1500));

      const received = receiver.current.received;
      expect(received).toHaveLength(names.length);
      const deliveryIds = new Set(received.map((entry) => entry.headers['x-webhook-delivery']));
      expect(deliveryIds.size).toBe(names.length);
      const payloads = received.map((entry) => JSON.parse(entry.body) as { id: string; data: { agent_name: string } });
      expect(new Set(payloads.map((payload) => payload.id)).size).toBe(names.length);
      expect(payloads.map((payload) => payload.data.agent_name).sort()).toEqual([...names].sort());
      for (const entry of received) {
        expect(await verify(secret, entry.body, entry.headers['x-webhook-signature'] as string)).toBe(true);
      }

      const list = await request(second, key, 'GET', `/api/v1/webhooks/${endpointId}/deliveries`);
      expect(list.body.data.map((delivery: { status: string }) => delivery.status)).toEqual(names.map(() => 'succeeded'));
    } finally {
      if (first.child.exitCode === null && first.child.signalCode === null) {
        first.child.kill('SIGKILL');
      }
      if (second !== undefined) {
        second.child.kill('SIGTERM');
        expect(await second.exited).toBe(0);
      }
      await receiver.current?.close();
    }
  }, 180_000);
});
