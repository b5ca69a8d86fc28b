import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Client, NotFoundError, PermissionError, ValidationError } from '../../clients/typescript/src/index.js';
import { conformingFetch, type Violation } from '../support/openapi-conformance.js';
import { call, createTestAccount, startServer, type TestServer } from '../support/server.js';

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe('TypeScript SDK marketplace', () => {
  let server: TestServer;
  let publisher: Client;
  let installer: Client;
  let readOnly: Client;
  const violations: Violation[] = [];

  beforeAll(async () => {
    server = await startServer();
    const document = (await call(server, 'GET', '/api/v1/openapi.json')).body;
    const fetch = conformingFetch(document, violations);
    const clientFor = async (scopes?: string[]) =>
      new Client({
        apiKey: (await createTestAccount(server, scopes === undefined ? {} : { key: { scopes } })).key,
        baseUrl: server.url,
        fetch,
        retry: { maxRetries: 0 },
      });
    publisher = await clientFor();
    installer = await clientFor();
    readOnly = await clientFor(['marketplace:read']);
  });
  afterEach(() => {
    // Every response the SDK received must match the OpenAPI document it was typed from.
    expect(violations.splice(0)).toEqual([]);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('publishes, installs, rates and unpublishes', async () => {
    const published = await publisher.marketplace.publish({
      type: 'agent',
      name: 'Haiku Writer',
      summary: 'Writes haiku about release notes',
      manifest: { agent_name: 'Haiku Writer', agent_role: 'generalist', skills: ['word_count'] },
    });
    const id = published.data.id;
    expect(published.data.version).toBe('1.0.0');

    const found = await installer.marketplace.list({ search: 'haiku', type: 'agent' });
    expect(found.data.map((item) => item.id)).toEqual([id]);
    expect(found.meta.total).toBe(1);
    expect((await installer.marketplace.get(id)).data.manifest).toMatchObject({ agent_name: 'Haiku Writer' });

    const installed = await installer.marketplace.install(id);
    expect(installed.data.agents[0]?.agent_name).toBe('Haiku Writer');
    const again = await installer.marketplace.install(id);
    expect(again.data.id).toBe(installed.data.id);

    const rating = await installer.marketplace.rate(id, 4);
    expect(rating.data).toMatchObject({ rating: 4, rating_average: 4, rating_count: 1 });
    const best = await installer.marketplace.list({ sort: 'rating', per_page: 1 });
    expect(best.data[0]?.id).toBe(id);

    const updated = await publisher.marketplace.update(id, { version: '1.0.1', summary: 'Writes haiku' });
    expect(updated.data).toMatchObject({ version: '1.0.1', summary: 'Writes haiku', install_count: 1 });
    expect((await publisher.marketplace.unpublish(id)).data).toEqual({ id, deleted: true });
    expect(await caught(installer.marketplace.get(id))).toBeInstanceOf(NotFoundError);
  });

  it('raises the error classes', async () => {
    const invalid = await caught(
      publisher.marketplace.publish({ type: 'tool', name: 'Broken', summary: 'No manifest fields', manifest: {} }),
    );
    expect(invalid).toBeInstanceOf(ValidationError);
    const denied = await caught(
      readOnly.marketplace.publish({ type: 'agent', name: 'x', summary: 'y', manifest: { agent_name: 'x', agent_role: 'leader' } }),
    );
    expect(denied).toBeInstanceOf(PermissionError);
    const unknownSort = await caught(installer.marketplace.list({ sort: 'cheapest' as never }));
    expect(unknownSort).toBeInstanceOf(ValidationError);
  });
});
