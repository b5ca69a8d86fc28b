import { verify } from '@octokit/webhooks-methods';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAndParse, verifySignature, WebhookVerificationError } from '../../clients/typescript/src/webhooks.js';
import { call, createTestAccount, databaseKind, graphql, startServer, type TestServer } from '../support/server.js';
import { fastDeliveryEnv, startWebhookReceiver, waitUntil, type WebhookReceiver } from '../support/webhooks.js';

async function createEndpoint(server: TestServer, key: string, json: Record<string, unknown>) {
  const response = await call(server, 'POST', '/api/v1/webhooks', { token: key, json });
  expect(response.status, response.text).toBe(201);

  return response.body.data as { id: number; secret: string; url: string; events: string[] };
}

async function createAgent(server: TestServer, key: string, name = 'Hooked'): Promise<number> {
  const response = await call(server, 'POST', '/api/v1/agents', { token: key, json: { agent_name: name, agent_role: 'leader' } });
  expect(response.status).toBe(201);

  return response.body.data.id as number;
}

/** Waits until the endpoint's latest delivery has `status`, and returns its detail. */
async function waitForDelivery(server: TestServer, key: string, endpointId: number, status: string) {
  return waitUntil(
    async () => {
      const list = await call(server, 'GET', `/api/v1/webhooks/${endpointId}/deliveries`, { token: key });
      const latest = list.body.data[0];
      if (latest?.status !== status) {
        return undefined;
      }

      return (await call(server, 'GET', `/api/v1/webhooks/${endpointId}/deliveries/${latest.id}`, { token: key })).body.data;
    },
    20_000,
    () => `a delivery of endpoint ${endpointId} with status ${status}`,
  );
}

describe('webhook endpoints over REST', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer(fastDeliveryEnv);
  });
  afterAll(async () => {
    await server.stop();
  });

  it('creates an endpoint and shows its secret once', async () => {
    const { key } = await createTestAccount(server);
    const created = await call(server, 'POST', '/api/v1/webhooks', {
      token: key,
      json: { url: 'https://hooks.example.test/alfred', events: ['agent.deployed', 'agent.created'], description: 'CRM' },
    });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({
      url: 'https://hooks.example.test/alfred',
      events: ['agent.deployed', 'agent.created'],
      enabled: true,
      description: 'CRM',
      livemode: true,
    });
    expect(created.body.data.secret).toMatch(/^whsec_[A-Za-z0-9]{32}$/);

    const fetched = await call(server, 'GET', `/api/v1/webhooks/${created.body.data.id}`, { token: key });
    expect(fetched.status).toBe(200);
    expect(fetched.body.data).not.toHaveProperty('secret');
    expect(fetched.text).not.toContain(created.body.data.secret);

    const defaults = await createEndpoint(server, key, { url: 'http://receiver.example.test/' });
    expect(defaults.events).toEqual(['*']);
  });

  it('rejects invalid endpoints with field errors', async () => {
    const { key } = await createTestAccount(server);
    const cases: [Record<string, unknown>, string, string][] = [
      [{}, 'url', 'is required'],
      [{ url: 'not a url' }, 'url', 'absolute http or https URL'],
      [{ url: 'ftp://files.example.test/' }, 'url', 'got ftp'],
      [{ url: 'https://user:pass@hooks.example.test/' }, 'url', 'user name or password'],
      [{ url: 'https://hooks.example.test/#x' }, 'url', 'fragment'],
      [{ url: `https://hooks.example.test/${'a'.repeat(2100)}` }, 'url', 'at most 2048'],
      [{ url: 'https://hooks.example.test/', events: ['agent.exploded'] }, 'events.0', 'got "agent.exploded"'],
      [{ url: 'https://hooks.example.test/', events: [] }, 'events', 'at least one'],
      [{ url: 'https://hooks.example.test/', events: ['*', 'agent.created'] }, 'events', 'list it alone'],
      [{ url: 'https://hooks.example.test/', events: 'agent.created' }, 'events', 'must be an array'],
      [{ url: 'https://hooks.example.test/', enabled: 'yes' }, 'enabled', 'true or false'],
      [{ url: 'https://hooks.example.test/', secret: 'mine' }, 'secret', 'not a field of this endpoint'],
    ];
    for (const [json, field, message] of cases) {
      const response = await call(server, 'POST', '/api/v1/webhooks', { token: key, json });
      expect(response.status, JSON.stringify(json)).toBe(400);
      expect(response.body.error.code).toBe('validation_error');
      const issue = response.body.error.details.find((detail: { field: string }) => detail.field === field);
      expect(issue, `${JSON.stringify(json)}: ${response.text}`).toBeDefined();
      expect(issue.message).toContain(message);
    }
    const list = await call(server, 'GET', '/api/v1/webhooks', { token: key });
    expect(list.body.meta.total).toBe(0);
  });

  it('pages the endpoint list', async () => {
    const { key } = await createTestAccount(server);
    for (const name of ['a', 'b', 'c']) {
      await createEndpoint(server, key, { url: `https://${name}.example.test/` });
    }
    const first = await call(server, 'GET', '/api/v1/webhooks?per_page=2', { token: key });
    expect(first.status).toBe(200);
    expect(first.body.meta).toEqual({ total: 3, page: 1, per_page: 2, total_pages: 2 });
    expect(first.body.data.map((endpoint: { url: string }) => endpoint.url)).toEqual(['https://a.example.test/', 'https://b.example.test/']);
    const second = await call(server, 'GET', '/api/v1/webhooks?per_page=2&page=2', { token: key });
    expect(second.body.data.map((endpoint: { url: string }) => endpoint.url)).toEqual(['https://c.example.test/']);
    expect(second.body.data[0]).not.toHaveProperty('secret');
    const invalid = await call(server, 'GET', '/api/v1/webhooks?page=0', { token: key });
    expect(invalid.status).toBe(400);
  });

  it('updates, rotates and deletes an endpoint', async () => {
    const { key } = await createTestAccount(server);
    const endpoint = await createEndpoint(server, key, { url: 'https://old.example.test/' });
    const updated = await call(server, 'PUT', `/api/v1/webhooks/${endpoint.id}`, {
      token: key,
      json: { url: 'https://new.example.test/', events: ['tool.executed'], enabled: false },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.data).toMatchObject({ url: 'https://new.example.test/', events: ['tool.executed'], enabled: false });
    const unchanged = await call(server, 'PUT', `/api/v1/webhooks/${endpoint.id}`, { token: key, json: {} });
    expect(unchanged.body.data.url).toBe('https://new.example.test/');
    const invalid = await call(server, 'PUT', `/api/v1/webhooks/${endpoint.id}`, { token: key, json: { url: null } });
    expect(invalid.status).toBe(400);

    const rotated = await call(server, 'POST', `/api/v1/webhooks/${endpoint.id}/rotate-secret`, { token: key });
    expect(rotated.status).toBe(200);
    expect(rotated.body.data.secret).toMatch(/^whsec_/);
    expect(rotated.body.data.secret).not.toBe(endpoint.secret);

    const deleted = await call(server, 'DELETE', `/api/v1/webhooks/${endpoint.id}`, { token: key });
    expect(deleted.body.data).toEqual({ id: endpoint.id, deleted: true });
    expect((await call(server, 'GET', `/api/v1/webhooks/${endpoint.id}`, { token: key })).status).toBe(404);
  });

  it("answers 404 for another account's endpoint", async () => {
    const owner = await createTestAccount(server);
    const stranger = await createTestAccount(server);
    const endpoint = await createEndpoint(server, owner.key, { url: 'https://owner.example.test/' });
    const requests: [string, string, unknown?][] = [
      ['GET', `/api/v1/webhooks/${endpoint.id}`],
      ['PUT', `/api/v1/webhooks/${endpoint.id}`, { enabled: false }],
      ['DELETE', `/api/v1/webhooks/${endpoint.id}`],
      ['POST', `/api/v1/webhooks/${endpoint.id}/rotate-secret`],
      ['GET', `/api/v1/webhooks/${endpoint.id}/deliveries`],
      ['GET', `/api/v1/webhooks/${endpoint.id}/attempts`],
      ['GET', '/api/v1/webhooks/abc'],
      ['GET', '/api/v1/webhooks/99999999999'],
    ];
    for (const [method, path, json] of requests) {
      const response = await call(server, method, path, { token: stranger.key, json });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.body.error.code).toBe('resource_not_found');
    }
    const list = await call(server, 'GET', '/api/v1/webhooks', { token: stranger.key });
    expect(list.body.data).toEqual([]);
    const still = await call(server, 'GET', `/api/v1/webhooks/${endpoint.id}`, { token: owner.key });
    expect(still.body.data.enabled).toBe(true);
  });

  it('needs the * scope', async () => {
    const { key } = await createTestAccount(server, { key: { scopes: ['agents:write', 'tools:execute'] } });
    const response = await call(server, 'GET', '/api/v1/webhooks', { token: key });
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('insufficient_scope');
    expect((await call(server, 'GET', '/api/v1/webhooks')).status).toBe(401);
  });
});

describe('webhook endpoints over GraphQL', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer(fastDeliveryEnv);
  });
  afterAll(async () => {
    await server.stop();
  });

  const fields = 'id databaseId url events allEvents enabled description livemode';

  it('manages an endpoint', async () => {
    const { key } = await createTestAccount(server);
    const created = await graphql(
      server,
      `mutation ($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret webhookEndpoint { ${fields} } } }`,
      { token: key, variables: { input: { url: 'https://gql.example.test/', events: ['AGENT_CREATED', 'TOOL_EXECUTED'] } } },
    );
    expect(created.body.errors).toBeUndefined();
    const { secret, webhookEndpoint } = created.body.data.createWebhookEndpoint;
    expect(secret).toMatch(/^whsec_/);
    expect(webhookEndpoint).toMatchObject({ url: 'https://gql.example.test/', events: ['AGENT_CREATED', 'TOOL_EXECUTED'], allEvents: false });

    const rest = await call(server, 'GET', `/api/v1/webhooks/${webhookEndpoint.databaseId}`, { token: key });
    expect(rest.body.data.events).toEqual(['agent.created', 'tool.executed']);

    const updated = await graphql(
      server,
      `mutation ($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) { webhookEndpoint { ${fields} } } }`,
      { token: key, variables: { input: { id: webhookEndpoint.id, allEvents: true, enabled: false } } },
    );
    expect(updated.body.errors).toBeUndefined();
    expect(updated.body.data.updateWebhookEndpoint.webhookEndpoint).toMatchObject({ allEvents: true, enabled: false });
    expect(updated.body.data.updateWebhookEndpoint.webhookEndpoint.events).toHaveLength(12);

    const listed = await graphql(server, `{ webhookEndpoints(first: 10) { totalCount edges { node { id } } } }`, { token: key });
    expect(listed.body.data.webhookEndpoints.totalCount).toBe(1);

    const rotated = await graphql(
      server,
      `mutation ($input: RotateWebhookEndpointSecretInput!) { rotateWebhookEndpointSecret(input: $input) { secret } }`,
      { token: key, variables: { input: { id: webhookEndpoint.id } } },
    );
    expect(rotated.body.data.rotateWebhookEndpointSecret.secret).not.toBe(secret);

    const deleted = await graphql(
      server,
      `mutation ($input: DeleteWebhookEndpointInput!) { deleteWebhookEndpoint(input: $input) { deletedWebhookEndpointId databaseId } }`,
      { token: key, variables: { input: { id: webhookEndpoint.id } } },
    );
    expect(deleted.body.data.deleteWebhookEndpoint.deletedWebhookEndpointId).toBe(webhookEndpoint.id);
  });

  it('reports validation errors', async () => {
    const { key } = await createTestAccount(server);
    const invalid = await graphql(
      server,
      `mutation ($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret } }`,
      { token: key, variables: { input: { url: 'gopher://old.example.test/' } } },
    );
    expect(invalid.body.errors[0].extensions.code).toBe('validation_error');
    expect(invalid.body.errors[0].extensions.details[0].field).toBe('url');
    const conflicting = await graphql(
      server,
      `mutation ($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret } }`,
      { token: key, variables: { input: { url: 'https://ok.example.test/', allEvents: true, events: ['AGENT_CREATED'] } } },
    );
    expect(conflicting.body.errors[0].extensions.code).toBe('validation_error');
  });

  it("hides another account's endpoint", async () => {
    const owner = await createTestAccount(server);
    const stranger = await createTestAccount(server);
    const created = await graphql(
      server,
      `mutation { createWebhookEndpoint(input: { url: "https://mine.example.test/" }) { webhookEndpoint { id } } }`,
      { token: owner.key },
    );
    const id = created.body.data.createWebhookEndpoint.webhookEndpoint.id as string;
    const fetched = await graphql(server, `query ($id: ID!) { webhookEndpoint(id: $id) { url } }`, { token: stranger.key, variables: { id } });
    expect(fetched.body.errors[0].extensions.code).toBe('resource_not_found');
    const node = await graphql(server, `query ($id: ID!) { node(id: $id) { id } }`, { token: stranger.key, variables: { id } });
    expect(node.body.data.node).toBeNull();
    const updated = await graphql(
      server,
      `mutation ($id: ID!) { updateWebhookEndpoint(input: { id: $id, enabled: false }) { webhookEndpoint { id } } }`,
      { token: stranger.key, variables: { id } },
    );
    expect(updated.body.errors[0].extensions.code).toBe('resource_not_found');
    const scoped = await createTestAccount(server, { key: { scopes: ['agents:read'] } });
    const refused = await graphql(server, `{ webhookEndpoints(first: 1) { totalCount } }`, { token: scoped.key });
    expect(refused.body.errors[0].extensions.code).toBe('insufficient_scope');
  });
});

describe('webhook delivery', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer({ ...fastDeliveryEnv, WEBHOOK_MAX_ATTEMPTS: '3' });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('retries until the receiver accepts, with one delivery id', async () => {
    const receiver = await startWebhookReceiver((_request, index) => (index < 2 ? 500 : 200));
    try {
      const { key } = await createTestAccount(server);
      const endpoint = await createEndpoint(server, key, { url: receiver.url, events: ['agent.created'] });
      await createAgent(server, key);

      const requests = await receiver.waitForRequests(3);
      expect(requests.map((request) => request.status)).toEqual([500, 500, 200]);
      const ids = new Set(requests.map((request) => request.headers['x-webhook-delivery']));
      expect(ids.size).toBe(1);
      expect(new Set(requests.map((request) => request.body)).size).toBe(1);
      for (const request of requests) {
        expect(await verify(endpoint.secret, request.body, request.headers['x-webhook-signature'] as string)).toBe(true);
      }

      const delivery = await waitForDelivery(server, key, endpoint.id, 'succeeded');
      expect(delivery.id).toBe([...ids][0]);
      expect(delivery.attempt_count).toBe(3);
      expect(delivery.body).toBe(requests[0]!.body);
      expect(delivery.attempts.map((attempt: { status_code: number }) => attempt.status_code)).toEqual([500, 500, 200]);
      expect(delivery.attempts[0].error).toContain('HTTP 500');
      expect(delivery.attempts[2]).toMatchObject({ number: 3, succeeded: true, error: null });
      expect(delivery.attempts[2].duration_ms).toBeTypeOf('number');

      const attempts = await call(server, 'GET', `/api/v1/webhooks/${endpoint.id}/attempts?per_page=2`, { token: key });
      expect(attempts.body.meta.total).toBe(3);
      expect(attempts.body.data).toHaveLength(2);
      expect(attempts.body.data[0].number).toBe(3);

      const listed = await graphql(
        server,
        `{ webhookEndpoints(first: 5) { edges { node { deliveries(first: 5) {
            totalCount edges { node { id eventType status attemptCount attempts { number statusCode succeeded } } } } } } } }`,
        { token: key },
      );
      expect(listed.body.errors).toBeUndefined();
      const deliveries = listed.body.data.webhookEndpoints.edges[0].node.deliveries;
      expect(deliveries.totalCount).toBe(1);
      expect(deliveries.edges[0].node).toEqual({
        id: delivery.id,
        eventType: 'AGENT_CREATED',
        status: 'succeeded',
        attemptCount: 3,
        attempts: [
          { number: 1, statusCode: 500, succeeded: false },
          { number: 2, statusCode: 500, succeeded: false },
          { number: 3, statusCode: 200, succeeded: true },
        ],
      });
      const single = await graphql(server, `query ($id: ID!) { webhookDelivery(id: $id) { body } }`, {
        token: key,
        variables: { id: delivery.id },
      });
      expect(single.body.data.webhookDelivery.body).toBe(requests[0]!.body);
    } finally {
      await receiver.close();
    }
  });

  it('marks a delivery failed after the last attempt and redelivers it', async () => {
    let accept = false;
    const receiver = await startWebhookReceiver(() => (accept ? 204 : 503));
    try {
      const { key } = await createTestAccount(server);
      const endpoint = await createEndpoint(server, key, { url: receiver.url, events: ['agent.created'] });
      await createAgent(server, key);
      const failed = await waitForDelivery(server, key, endpoint.id, 'failed');
      expect(failed.attempt_count).toBe(3);
      expect(failed.last_status_code).toBe(503);
      expect(failed.next_attempt_at).toBeNull();

      accept = true;
      const queued = await call(server, 'POST', `/api/v1/webhooks/${endpoint.id}/deliveries/${failed.id}/redeliver`, { token: key });
      expect(queued.status).toBe(202);
      expect(queued.body.data.status).toBe('pending');
      const done = await waitForDelivery(server, key, endpoint.id, 'succeeded');
      expect(done.id).toBe(failed.id);
      expect(done.attempts).toHaveLength(4);
      expect(receiver.received.at(-1)!.headers['x-webhook-delivery']).toBe(failed.id);

      const stranger = await createTestAccount(server);
      const hidden = await call(server, 'POST', `/api/v1/webhooks/${endpoint.id}/deliveries/${failed.id}/redeliver`, { token: stranger.key });
      expect(hidden.status).toBe(404);
      const gql = await graphql(server, `query ($id: ID!) { webhookDelivery(id: $id) { id } }`, { token: stranger.key, variables: { id: failed.id } });
      expect(gql.body.errors[0].extensions.code).toBe('resource_not_found');

      const again = await graphql(
        server,
        `mutation ($id: ID!) { redeliverWebhookDelivery(input: { id: $id }) { delivery { id status attempts { number statusCode } } } }`,
        { token: key, variables: { id: failed.id } },
      );
      expect(again.body.errors).toBeUndefined();
      expect(again.body.data.redeliverWebhookDelivery.delivery.status).toBe('pending');
      await receiver.waitForRequests(5);
    } finally {
      await receiver.close();
    }
  });

  it('takes over a delivery whose lease ran out', async () => {
    const closed = await startWebhookReceiver();
    await closed.close();
    const receiver = await startWebhookReceiver();
    try {
      const { key } = await createTestAccount(server);
      const endpoint = await createEndpoint(server, key, { url: closed.url, events: ['agent.created'] });
      await createAgent(server, key);
      // A failed delivery is left alone by the worker, so the test can change it safely.
      const failed = await waitForDelivery(server, key, endpoint.id, 'failed');
      expect(failed.attempt_count).toBe(3);

      // As if a worker leased attempt 4 and died: the row is `sending` with a lease.
      await server.prisma.webhookDelivery.update({
        where: { id: failed.id },
        data: { status: 'sending', attempts: 4, scheduledAttempts: 1, completedAt: null, nextAttemptAt: new Date(Date.now() + 60_000) },
      });
      await call(server, 'PUT', `/api/v1/webhooks/${endpoint.id}`, { token: key, json: { url: receiver.url } });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(receiver.received).toHaveLength(0);
      const busy = await call(server, 'POST', `/api/v1/webhooks/${endpoint.id}/deliveries/${failed.id}/redeliver`, { token: key });
      expect(busy.status).toBe(409);

      // A late result of an older attempt must not move the delivery on.
      const { recordAttempt } = await import('../../src/webhooks/queue.js');
      const late = await recordAttempt(
        server.prisma,
        { id: failed.id, endpointId: endpoint.id, eventType: 'agent.created', body: '', attempt: 3, scheduledAttempts: 3, interrupted: false },
        { statusCode: 200, durationMs: 5, error: null },
        { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 400 },
      );
      expect(late.result).toBe('superseded');

      // The lease runs out.
      await server.prisma.webhookDelivery.update({ where: { id: failed.id }, data: { nextAttemptAt: new Date(Date.now() - 1000) } });
      const done = await waitForDelivery(server, key, endpoint.id, 'succeeded');
      expect(done.attempts.map((attempt: { number: number }) => attempt.number)).toEqual([1, 2, 3, 4, 5]);
      expect(done.attempts[3].error).toContain('server stopped during the attempt');
      expect(done.attempts[4].status_code).toBe(200);
      expect(receiver.received).toHaveLength(1);
      expect(receiver.received[0]!.headers['x-webhook-delivery']).toBe(failed.id);
    } finally {
      await receiver.close();
    }
  });

  it('does not follow redirects', async () => {
    const target = await startWebhookReceiver();
    const redirecting = await startWebhookReceiver(() => ({ status: 307, headers: { location: `${target.url}/elsewhere` } }));
    try {
      const { key } = await createTestAccount(server);
      const endpoint = await createEndpoint(server, key, { url: redirecting.url, events: ['agent.created'] });
      await createAgent(server, key);
      const failed = await waitForDelivery(server, key, endpoint.id, 'failed');
      expect(failed.last_status_code).toBe(307);
      expect(failed.attempts[0].error).toContain('redirects are not followed');
      expect(redirecting.received).toHaveLength(3);
      expect(target.received).toHaveLength(0);
    } finally {
      await target.close();
      await redirecting.close();
    }
  });

  it('records a receiver that does not answer in time', async () => {
    const receiver = await startWebhookReceiver(() => ({ status: 200, delayMs: 1500 }));
    try {
      const { key } = await createTestAccount(server);
      const endpoint = await createEndpoint(server, key, { url: receiver.url, events: ['agent.created'] });
      await createAgent(server, key);
      const attempt = await waitUntil(async () => {
        const attempts = await call(server, 'GET', `/api/v1/webhooks/${endpoint.id}/attempts`, { token: key });

        return attempts.body.data.at(-1);
      });
      expect(attempt.status_code).toBeNull();
      expect(attempt.error).toContain('did not answer within 1000 ms');
      expect(attempt.duration_ms).toBeGreaterThanOrEqual(900);
    } finally {
      await receiver.close();
    }
  });

  it('records a refused connection', async () => {
    const receiver = await startWebhookReceiver();
    const url = receiver.url;
    await receiver.close();
    const { key } = await createTestAccount(server);
    const endpoint = await createEndpoint(server, key, { url, events: ['agent.created'] });
    await createAgent(server, key);
    const attempt = await waitUntil(async () => {
      const attempts = await call(server, 'GET', `/api/v1/webhooks/${endpoint.id}/attempts`, { token: key });

      return attempts.body.data.at(-1);
    });
    expect(attempt.status_code).toBeNull();
    expect(attempt.error).toContain('ECONNREFUSED');
  });

  it('sends only subscribed events of the own account to enabled endpoints', async () => {
    const receiver = await startWebhookReceiver();
    try {
      const owner = await createTestAccount(server);
      const stranger = await createTestAccount(server);
      await createEndpoint(server, owner.key, { url: `${receiver.url}/deployed`, events: ['agent.deployed'] });
      await createEndpoint(server, owner.key, { url: `${receiver.url}/off`, enabled: false });
      await createEndpoint(server, owner.key, { url: `${receiver.url}/all` });
      const agentId = await createAgent(server, owner.key);
      await call(server, 'POST', `/api/v1/agents/${agentId}/deploy`, { token: owner.key });
      await createAgent(server, stranger.key, 'Stranger');

      await receiver.waitForRequests(3);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const seen = receiver.received.map((request) => `${request.path} ${request.headers['x-webhook-event']}`).sort();
      expect(seen).toEqual(['/all agent.created', '/all agent.deployed', '/deployed agent.deployed']);
      for (const request of receiver.received) {
        expect(JSON.parse(request.body).data.agent_name).toBe('Hooked');
      }
    } finally {
      await receiver.close();
    }
  });

  it('fails verification of tampered, missigned and unsigned bodies', async () => {
    const receiver = await startWebhookReceiver();
    try {
      const { key } = await createTestAccount(server);
      const endpoint = await createEndpoint(server, key, { url: receiver.url, events: ['agent.created'] });
      await createAgent(server, key);
      const [request] = await receiver.waitForRequests(1);
      const body = request!.body;
      const signature = request!.headers['x-webhook-signature'] as string;
      const tampered = body.replace('Hooked', 'Hacked');
      const wrongSecret = `${endpoint.secret.slice(0, -1)}X`;

      expect(await verify(endpoint.secret, body, signature)).toBe(true);
      expect(verifySignature(body, signature, endpoint.secret)).toBe(true);
      expect(await verify(endpoint.secret, tampered, signature)).toBe(false);
      expect(verifySignature(tampered, signature, endpoint.secret)).toBe(false);
      expect(await verify(wrongSecret, body, signature)).toBe(false);
      expect(verifySignature(body, signature, wrongSecret)).toBe(false);
      expect(verifySignature(body, undefined, endpoint.secret)).toBe(false);
      expect(() => verifyAndParse(tampered, signature, endpoint.secret)).toThrow(WebhookVerificationError);
      expect(() => verifyAndParse(body, signature, wrongSecret)).toThrow(WebhookVerificationError);
      expect(() => verifyAndParse(body, undefined, endpoint.secret)).toThrow(/missing/);
      expect(() => verifyAndParse(body, '', endpoint.secret)).toThrow(WebhookVerificationError);
      expect(verifyAndParse(Buffer.from(body), signature, endpoint.secret).event).toBe('agent.created');
    } finally {
      await receiver.close();
    }
  });
});

describe('webhook network guard', () => {
  let server: TestServer;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    const { OUTBOUND_ALLOWED_CIDRS: _allowed, ...env } = fastDeliveryEnv;
    server = await startServer({ ...env, WEBHOOK_MAX_ATTEMPTS: '1' });
    receiver = await startWebhookReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    await server.stop();
  });

  it('refuses loopback receivers after DNS resolution', async () => {
    const { key } = await createTestAccount(server);
    const { port } = receiver;
    const literal = await createEndpoint(server, key, { url: `http://127.0.0.1:${port}/`, events: ['agent.created'] });
    const named = await createEndpoint(server, key, { url: `http://localhost:${port}/`, events: ['agent.created'] });
    const metadata = await createEndpoint(server, key, { url: 'http://169.254.169.254/latest/meta-data/', events: ['agent.created'] });
    await createAgent(server, key);

    for (const [endpoint, range] of [
      [literal, 'loopback'],
      [named, 'loopback'],
      [metadata, 'link-local'],
    ] as const) {
      const failed = await waitForDelivery(server, key, endpoint.id, 'failed');
      expect(failed.last_status_code).toBeNull();
      expect(failed.last_error).toContain(range);
      expect(failed.last_error).toContain('which webhooks may not reach');
      expect(failed.last_error).toContain('OUTBOUND_ALLOWED_CIDRS');
    }
    expect(receiver.received).toHaveLength(0);
  });
});

describe.skipIf(databaseKind === 'pglite')('webhook queue shared by two instances', () => {
  // An embedded database is held by one process, so only PostgreSQL has two instances.
  let first: TestServer;
  let second: TestServer;

  beforeAll(async () => {
    first = await startServer(fastDeliveryEnv);
    second = await startServer({ ...fastDeliveryEnv, DATABASE_URL: first.config.databaseUrl! });
  });
  afterAll(async () => {
    await second?.stop();
    await first?.stop();
  });

  it('sends each delivery once', async () => {
    const receiver = await startWebhookReceiver(() => ({ status: 200, delayMs: 20 }));
    try {
      const { key } = await createTestAccount(first);
      await createEndpoint(first, key, { url: receiver.url, events: ['agent.created'] });
      const count = 20;
      await Promise.all(
        Array.from({ length: count }, (_, index) => createAgent(index % 2 === 0 ? first : second, key, `agent ${index}`)),
      );
      await receiver.waitForRequests(count, 30_000);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(receiver.received).toHaveLength(count);
      expect(new Set(receiver.received.map((request) => request.headers['x-webhook-delivery'])).size).toBe(count);
      const sent = (server: TestServer) => server.logs.filter((line) => line.msg === 'webhook delivery attempt succeeded').length;
      expect(sent(first) + sent(second)).toBe(count);
    } finally {
      await receiver.close();
    }
  });
});
