import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/accounts/api-keys.js';
import { builtinItems } from '../../src/marketplace/builtin-items.js';
import { call, createTestAccount, graphql, startServer, type TestAccount, type TestServer } from '../support/server.js';
import { fastDeliveryEnv, startWebhookReceiver, type WebhookReceiver } from '../support/webhooks.js';

const agentManifest = {
  agent_name: 'Invoice Checker',
  agent_role: 'specialist',
  task: 'Check invoices for arithmetic mistakes',
  skills: ['word_count', 'json_format'],
};

const weatherTool = {
  name: 'zephyr_forecast',
  description: 'Wind forecast for a harbour',
  category: 'geospatial',
  tags: ['weather', 'wind'],
  input_schema: { type: 'object', properties: { harbour: { type: 'string' } }, required: ['harbour'] },
  http: { method: 'GET', url: 'http://127.0.0.1:9/forecast/{harbour}' },
};

const fleetTemplate = {
  fleet: { name: 'Translation Desk', description: 'Translates and reviews', max_agents: 3 },
  agents: [
    { agent_name: 'Desk Lead', agent_role: 'leader' },
    { agent_name: 'Translator', agent_role: 'specialist', skills: ['text_case_convert'] },
    { agent_name: 'Proofreader', agent_role: 'reviewer', voice_enabled: true, voice_engine: 'kokoro' },
  ],
};

function extensionManifest(receiverUrl: string) {
  return {
    tools: [
      {
        name: 'quillmark_lint',
        description: 'Lints prose with the Quillmark service',
        category: 'text',
        input_schema: { type: 'object', properties: { text: { type: 'string' } } },
        http: { method: 'POST', url: 'http://127.0.0.1:9/lint' },
      },
    ],
    webhooks: [{ url: `${receiverUrl}/quillmark`, events: ['marketplace.installed', 'agent.created'], description: 'Quillmark sync' }],
  };
}

interface Item {
  id: number;
  type: string;
  name: string;
  install_count: number;
  rating_average: number | null;
  rating_count: number;
}

describe('marketplace', () => {
  let server: TestServer;
  let receiver: WebhookReceiver;
  let publisher: TestAccount;
  let installer: TestAccount;
  let outsider: TestAccount;
  const published: Record<string, Item> = {};

  async function publish(token: string, body: Record<string, unknown>) {
    return call(server, 'POST', '/api/v1/marketplace', { token, json: body });
  }

  async function listIds(query: string, token = installer.key): Promise<number[]> {
    const response = await call(server, 'GET', `/api/v1/marketplace?${query}`, { token });
    expect(response.status, query).toBe(200);

    return (response.body.data as Item[]).map((item) => item.id);
  }

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    server = await startServer(fastDeliveryEnv);
    publisher = await createTestAccount(server, { account: { name: 'Acme Tools' } });
    installer = await createTestAccount(server);
    outsider = await createTestAccount(server);
  });
  afterAll(async () => {
    await server.stop();
    await receiver.close();
  });

  it('seeds the built-in catalogue', async () => {
    const response = await call(server, 'GET', '/api/v1/marketplace?per_page=100', { token: installer.key });
    expect(response.status).toBe(200);
    const names = (response.body.data as Item[]).map((item) => item.name);
    for (const entry of builtinItems) {
      expect(names).toContain(entry.name);
    }
    const dns = (response.body.data as (Item & { builtin: boolean; publisher_id: number | null })[]).find(
      (item) => item.name === 'DNS Troubleshooter',
    )!;
    expect(dns.builtin).toBe(true);
    expect(dns.publisher_id).toBeNull();
    expect(dns.type).toBe('agent');
    const detail = await call(server, 'GET', `/api/v1/marketplace/${dns.id}`, { token: installer.key });
    expect(detail.body.data.manifest.skills).toContain('dns_lookup');
    const search = await call(server, 'GET', '/api/v1/marketplace?search=dns%20troubleshooting', { token: installer.key });
    expect(search.body.data[0].name).toBe('DNS Troubleshooter');
    const security = await call(server, 'GET', '/api/v1/marketplace?search=security&type=fleet_template', { token: installer.key });
    expect(security.body.data.map((item: Item) => item.name)).toContain('Security Review');
  });

  it('publishes an item of each type', async () => {
    const bodies = {
      agent: { type: 'agent', name: 'Invoice Checker', summary: 'Finds arithmetic mistakes in invoices', manifest: agentManifest },
      tool: { type: 'tool', name: 'Zephyr Forecast', summary: 'Harbour wind forecasts', version: '0.3.0', manifest: weatherTool },
      fleet_template: { type: 'fleet_template', name: 'Translation Desk', summary: 'Translate and proofread documents', manifest: fleetTemplate },
      extension: {
        type: 'extension',
        name: 'Quillmark',
        summary: 'Prose linting with sync webhooks',
        description: 'Adds a lint tool and tells Quillmark about new agents.',
        manifest: extensionManifest(receiver.url),
      },
    };
    for (const [type, body] of Object.entries(bodies)) {
      const response = await publish(publisher.key, body);
      expect(response.status, type).toBe(201);
      expect(response.body.data).toMatchObject({
        type,
        name: body.name,
        publisher_id: publisher.account.id,
        builtin: false,
        install_count: 0,
        rating_average: null,
        rating_count: 0,
      });
      expect(response.body.data.version, type).toBe(type === 'tool' ? '0.3.0' : '1.0.0');
      published[type] = response.body.data;
    }
    const agent = await call(server, 'GET', `/api/v1/marketplace/${published.agent!.id}`, { token: installer.key });
    expect(agent.body.data.manifest).toEqual({ ...agentManifest, voice_enabled: false, voice_engine: null });
    const fleet = await call(server, 'GET', `/api/v1/marketplace/${published.fleet_template!.id}`, { token: installer.key });
    expect(fleet.body.data.manifest.fleet).toEqual({ ...fleetTemplate.fleet, auto_scale: false });
    expect(fleet.body.data.manifest.agents[0]).toMatchObject({ agent_name: 'Desk Lead', skills: [], task: '' });
  });

  it('finds published items by search from another account', async () => {
    const cases = [
      ['search=invoice', published.agent!.id],
      ['search=harbour%20wind', published.tool!.id],
      ['search=forecst', published.tool!.id],
      ['search=translate&type=fleet_template', published.fleet_template!.id],
      ['search=quillmark', published.extension!.id],
    ] as const;
    for (const [query, id] of cases) {
      const ids = await listIds(query);
      expect(ids[0], query).toBe(id);
    }
    expect(await listIds('search=invoice&type=tool')).not.toContain(published.agent!.id);
    expect(await listIds('search=%21%21')).toEqual([]);
  });

  it('installs an agent and returns it again', async () => {
    const before = (await call(server, 'GET', '/api/v1/agents', { token: installer.key })).body.meta.total;
    const first = await call(server, 'POST', `/api/v1/marketplace/${published.agent!.id}/install`, { token: installer.key });
    expect(first.status).toBe(201);
    expect(first.body.data).toMatchObject({ item_id: published.agent!.id, item_type: 'agent', version: '1.0.0', fleet: null, tools: [], webhooks: [] });
    expect(first.body.data.agents).toHaveLength(1);
    const agentId = first.body.data.agents[0].id;
    const agent = await call(server, 'GET', `/api/v1/agents/${agentId}`, { token: installer.key });
    expect(agent.status).toBe(200);
    expect(agent.body.data).toMatchObject({ agent_name: 'Invoice Checker', agent_role: 'specialist', skills: ['word_count', 'json_format'], status: 'idle' });

    const second = await call(server, 'POST', `/api/v1/marketplace/${published.agent!.id}/install`, { token: installer.key, json: {} });
    expect(second.status).toBe(200);
    expect(second.body.data.id).toBe(first.body.data.id);
    expect(second.body.data.agents.map((item: { id: number }) => item.id)).toEqual([agentId]);
    const after = (await call(server, 'GET', '/api/v1/agents', { token: installer.key })).body.meta.total;
    expect(after).toBe(before + 1);
    const item = await call(server, 'GET', `/api/v1/marketplace/${published.agent!.id}`, { token: installer.key });
    expect(item.body.data.install_count).toBe(1);
    // The publisher's account gets nothing from another account's install.
    const publisherAgents = await call(server, 'GET', `/api/v1/agents/${agentId}`, { token: publisher.key });
    expect(publisherAgents.status).toBe(404);
  });

  it('installs a tool as an HTTP tool of the account', async () => {
    const response = await call(server, 'POST', `/api/v1/marketplace/${published.tool!.id}/install`, { token: installer.key });
    expect(response.status).toBe(201);
    expect(response.body.data.tools.map((tool: { name: string }) => tool.name)).toEqual(['zephyr_forecast']);
    const tool = await call(server, 'GET', '/api/v1/tools/zephyr_forecast', { token: installer.key });
    expect(tool.status).toBe(200);
    expect(tool.body.data).toMatchObject({ kind: 'http', category: 'geospatial', http: { method: 'GET', url: 'http://127.0.0.1:9/forecast/{harbour}' } });
    expect((await call(server, 'GET', '/api/v1/tools/zephyr_forecast', { token: publisher.key })).status).toBe(404);
    const again = await call(server, 'POST', `/api/v1/marketplace/${published.tool!.id}/install`, { token: installer.key });
    expect(again.status).toBe(200);
    expect(again.body.data.id).toBe(response.body.data.id);
  });

  it('installs a fleet template with its agents', async () => {
    const response = await call(server, 'POST', `/api/v1/marketplace/${published.fleet_template!.id}/install`, { token: installer.key });
    expect(response.status).toBe(201);
    const { fleet, agents } = response.body.data;
    expect(fleet).toMatchObject({ name: 'Translation Desk', description: 'Translates and reviews', max_agents: 3, auto_scale: false });
    expect(agents.map((agent: { agent_name: string }) => agent.agent_name)).toEqual(['Desk Lead', 'Translator', 'Proofreader']);
    for (const agent of agents as { id: number; fleet_id: number }[]) {
      const stored = await call(server, 'GET', `/api/v1/agents/${agent.id}`, { token: installer.key });
      expect(stored.body.data.fleet_id).toBe(fleet.id);
    }
    const proofreader = await call(server, 'GET', `/api/v1/agents/${agents[2].id}`, { token: installer.key });
    expect(proofreader.body.data).toMatchObject({ voice_enabled: true, voice_engine: 'kokoro', agent_role: 'reviewer' });
    const row = await server.prisma.fleet.findUniqueOrThrow({ where: { id: fleet.id } });
    expect(row.accountId).toBe(installer.account.id);

    const again = await call(server, 'POST', `/api/v1/marketplace/${published.fleet_template!.id}/install`, { token: installer.key });
    expect(again.status).toBe(200);
    expect(again.body.data.fleet.id).toBe(fleet.id);
    expect(await server.prisma.fleet.count({ where: { accountId: installer.account.id } })).toBe(1);
  });

  it('installs an extension with its tools and webhooks', async () => {
    const response = await call(server, 'POST', `/api/v1/marketplace/${published.extension!.id}/install`, { token: installer.key });
    expect(response.status).toBe(201);
    const { tools, webhooks } = response.body.data;
    expect(tools.map((tool: { name: string }) => tool.name)).toEqual(['quillmark_lint']);
    expect(webhooks).toHaveLength(1);
    expect(webhooks[0]).toMatchObject({ url: `${receiver.url}/quillmark`, events: ['marketplace.installed', 'agent.created'], enabled: true });
    expect(webhooks[0].secret).toMatch(/^whsec_/);
    const endpoint = await call(server, 'GET', `/api/v1/webhooks/${webhooks[0].id}`, { token: installer.key });
    expect(endpoint.status).toBe(200);
    expect((await call(server, 'GET', '/api/v1/tools/quillmark_lint', { token: installer.key })).status).toBe(200);

    const again = await call(server, 'POST', `/api/v1/marketplace/${published.extension!.id}/install`, { token: installer.key });
    expect(again.status).toBe(200);
    expect(again.body.data.webhooks[0].id).toBe(webhooks[0].id);
    expect(again.body.data.webhooks[0].secret).toBeUndefined();

    // The endpoint was created in the install transaction, so the installed event reaches it.
    const [delivery] = await receiver.waitForRequests(1, 10_000);
    expect(delivery!.headers['x-webhook-event']).toBe('marketplace.installed');
    expect(JSON.parse(delivery!.body).data).toEqual({ item_id: published.extension!.id, item_name: 'Quillmark', item_type: 'extension' });
  });

  it('records one installed event per installation', async () => {
    const events = await server.prisma.event.findMany({
      where: { accountId: installer.account.id, type: 'marketplace.installed' },
      orderBy: { createdAt: 'asc' },
    });
    expect(events.map((event) => (event.data as { item_type: string }).item_type)).toEqual(['agent', 'tool', 'fleet_template', 'extension']);
    const fleetEvents = await server.prisma.event.count({ where: { accountId: installer.account.id, type: 'fleet.created' } });
    expect(fleetEvents).toBe(1);
  });

  it('changes the sorts with installs and ratings', async () => {
    const popularBefore = await listIds('sort=popular&per_page=100', outsider.key);
    const outsiderInstall = await call(server, 'POST', `/api/v1/marketplace/${published.fleet_template!.id}/install`, { token: outsider.key });
    expect(outsiderInstall.status).toBe(201);
    const popular = await listIds('sort=popular&per_page=100', outsider.key);
    expect(popular[0]).toBe(published.fleet_template!.id);
    expect(popular).not.toEqual(popularBefore);
    expect(await listIds('per_page=100', outsider.key)).toEqual(popular);

    const newest = await listIds('sort=newest');
    expect(newest.slice(0, 4)).toEqual([published.extension!.id, published.fleet_template!.id, published.tool!.id, published.agent!.id]);

    const rate = async (account: TestAccount, id: number, rating: unknown) =>
      call(server, 'PUT', `/api/v1/marketplace/${id}/rating`, { token: account.key, json: { rating } });
    const agentRating = await rate(installer, published.agent!.id, 4);
    expect(agentRating.status).toBe(200);
    expect(agentRating.body.data).toMatchObject({ item_id: published.agent!.id, rating: 4, rating_average: 4, rating_count: 1 });
    expect((await rate(installer, published.tool!.id, 5)).status).toBe(200);
    let byRating = await listIds('sort=rating');
    expect(byRating.slice(0, 2)).toEqual([published.tool!.id, published.agent!.id]);

    // A changed rating replaces the earlier one instead of adding a second.
    const changed = await rate(installer, published.tool!.id, 2);
    expect(changed.body.data).toMatchObject({ rating: 2, rating_average: 2, rating_count: 1 });
    byRating = await listIds('sort=rating');
    expect(byRating.slice(0, 2)).toEqual([published.agent!.id, published.tool!.id]);

    expect((await rate(installer, published.fleet_template!.id, 5)).status).toBe(200);
    expect((await rate(outsider, published.fleet_template!.id, 2)).status).toBe(200);
    const fleet = await call(server, 'GET', `/api/v1/marketplace/${published.fleet_template!.id}`, { token: outsider.key });
    expect(fleet.body.data).toMatchObject({ rating_average: 3.5, rating_count: 2, install_count: 2 });
  });

  it('rejects ratings that break the rules', async () => {
    const rate = (account: TestAccount, id: number | string, rating: unknown) =>
      call(server, 'PUT', `/api/v1/marketplace/${id}/rating`, { token: account.key, json: { rating } });
    for (const value of [0, 6, 3.5, '4', null]) {
      const response = await rate(installer, published.agent!.id, value);
      expect(response.status, String(value)).toBe(400);
      expect(response.body.error.details[0].field, String(value)).toBe('rating');
    }
    const notInstalled = await rate(outsider, published.agent!.id, 5);
    expect(notInstalled.status).toBe(409);
    expect(notInstalled.body.error.code).toBe('conflict');
    expect(notInstalled.body.error.message).toMatch(/Install marketplace item/);
    const own = await rate(publisher, published.agent!.id, 5);
    expect(own.status).toBe(409);
    expect((await rate(installer, 999_999, 5)).status).toBe(404);
  });

  it('rejects invalid manifests with the field path', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ type: 'agent', name: 'x', summary: 'y', manifest: { agent_name: 'A' } }, 'manifest.agent_role'],
      [{ type: 'agent', name: 'x', summary: 'y', manifest: { ...agentManifest, fleet_id: 3 } }, 'manifest.fleet_id'],
      [{ type: 'agent', name: 'x', summary: 'y', manifest: { ...agentManifest, skills: ['Not A Tool'] } }, 'manifest.skills.0'],
      [{ type: 'agent', name: 'x', summary: 'y', manifest: [] }, 'manifest'],
      [{ type: 'agent', name: 'x', summary: 'y' }, 'manifest'],
      [{ type: 'tool', name: 'x', summary: 'y', manifest: { ...weatherTool, http: { url: 'ftp://example.com' } } }, 'manifest.http.url'],
      [{ type: 'tool', name: 'x', summary: 'y', manifest: { ...weatherTool, http: { url: 'http://127.0.0.1:9/{city}' } } }, 'manifest.http.url'],
      [{ type: 'tool', name: 'x', summary: 'y', manifest: { ...weatherTool, category: 'astrology' } }, 'manifest.category'],
      [{ type: 'fleet_template', name: 'x', summary: 'y', manifest: { fleet: { name: 'F', max_agents: 1 }, agents: fleetTemplate.agents } }, 'manifest.agents'],
      [{ type: 'fleet_template', name: 'x', summary: 'y', manifest: { fleet: { name: 'F' }, agents: [] } }, 'manifest.agents'],
      [{ type: 'fleet_template', name: 'x', summary: 'y', manifest: { fleet: { name: 'F' }, agents: [{ agent_name: 'A', agent_role: 'boss' }] } }, 'manifest.agents.0.agent_role'],
      [{ type: 'fleet_template', name: 'x', summary: 'y', manifest: { fleet: { max_agents: 0 }, agents: [] } }, 'manifest.fleet.name'],
      [{ type: 'extension', name: 'x', summary: 'y', manifest: { tools: [], webhooks: [] } }, 'manifest'],
      [{ type: 'extension', name: 'x', summary: 'y', manifest: { webhooks: [{ url: 'mailto:a@example.com' }] } }, 'manifest.webhooks.0.url'],
      [{ type: 'extension', name: 'x', summary: 'y', manifest: { webhooks: [{ url: 'https://example.com/h', events: ['agent.exploded'] }] } }, 'manifest.webhooks.0.events.0'],
      [{ type: 'extension', name: 'x', summary: 'y', manifest: { tools: [weatherTool, weatherTool] } }, 'manifest.tools'],
      [{ type: 'plugin', name: 'x', summary: 'y', manifest: {} }, 'type'],
      [{ type: 'agent', name: 'x', summary: 'y', version: 'v1', manifest: agentManifest }, 'version'],
      [{ type: 'agent', name: '', summary: 'y', manifest: agentManifest }, 'name'],
      [{ type: 'agent', name: 'x', summary: 'y', manifest: agentManifest, price: 3 }, 'price'],
    ];
    for (const [body, field] of cases) {
      const response = await publish(publisher.key, body);
      expect(response.status, field).toBe(400);
      expect(response.body.error.code, field).toBe('validation_error');
      expect(response.body.error.details.map((issue: { field: string }) => issue.field), JSON.stringify(body)).toContain(field);
    }
  });

  it('rejects unknown filters and sorts', async () => {
    for (const query of ['type=plugin', 'sort=cheapest', 'sort=', 'page=0', 'per_page=101', `search=${'x'.repeat(201)}`]) {
      const response = await call(server, 'GET', `/api/v1/marketplace?${query}`, { token: installer.key });
      expect(response.status, query).toBe(400);
      expect(response.body.error.code, query).toBe('validation_error');
    }
    const result = await graphql(server, '{ marketplaceItems(sort: cheapest) { totalCount } }', { token: installer.key });
    expect(result.body.errors[0].extensions.code).toBe('validation_error');
  });

  it('publishes new versions and installs them beside the old', async () => {
    const notHigher = await call(server, 'PUT', `/api/v1/marketplace/${published.agent!.id}`, { token: publisher.key, json: { version: '1.0.0' } });
    expect(notHigher.status).toBe(400);
    expect(notHigher.body.error.details[0].field).toBe('version');
    const invalid = await call(server, 'PUT', `/api/v1/marketplace/${published.agent!.id}`, {
      token: publisher.key,
      json: { version: '1.1.0', manifest: { agent_name: 'No role' } },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.details[0].field).toBe('manifest.agent_role');
    const typeChange = await call(server, 'PUT', `/api/v1/marketplace/${published.agent!.id}`, { token: publisher.key, json: { version: '1.1.0', type: 'tool' } });
    expect(typeChange.status).toBe(400);

    const updated = await call(server, 'PUT', `/api/v1/marketplace/${published.agent!.id}`, {
      token: publisher.key,
      json: { version: '1.1.0', summary: 'Finds mistakes in invoices and receipts', manifest: { ...agentManifest, task: 'Check invoices and receipts' } },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.data).toMatchObject({ version: '1.1.0', summary: 'Finds mistakes in invoices and receipts', name: 'Invoice Checker', install_count: 1 });
    expect(updated.body.data.manifest.task).toBe('Check invoices and receipts');

    const install = await call(server, 'POST', `/api/v1/marketplace/${published.agent!.id}/install`, { token: installer.key });
    expect(install.status).toBe(201);
    expect(install.body.data.version).toBe('1.1.0');
    expect(install.body.data.agents[0].task).toBe('Check invoices and receipts');
    const item = await call(server, 'GET', `/api/v1/marketplace/${published.agent!.id}`, { token: installer.key });
    expect(item.body.data.install_count).toBe(1);
  });

  it('hides other accounts items from changes', async () => {
    const id = published.agent!.id;
    const update = await call(server, 'PUT', `/api/v1/marketplace/${id}`, { token: installer.key, json: { version: '9.0.0' } });
    expect(update.status).toBe(404);
    expect(update.body.error.code).toBe('resource_not_found');
    expect((await call(server, 'DELETE', `/api/v1/marketplace/${id}`, { token: installer.key })).status).toBe(404);
    expect((await call(server, 'GET', '/api/v1/marketplace/abc', { token: installer.key })).status).toBe(404);

    // An item published with a test key stays in that account's test mode.
    const { token: testKey } = await createApiKey(server.prisma, publisher.account.id, { test: true });
    const sandbox = await publish(testKey, { type: 'agent', name: 'Sandbox Agent', summary: 'Only for tests', manifest: agentManifest });
    expect(sandbox.status).toBe(201);
    expect((await call(server, 'GET', `/api/v1/marketplace/${sandbox.body.data.id}`, { token: testKey })).status).toBe(200);
    expect((await call(server, 'GET', `/api/v1/marketplace/${sandbox.body.data.id}`, { token: publisher.key })).status).toBe(404);
    expect((await call(server, 'GET', `/api/v1/marketplace/${sandbox.body.data.id}`, { token: installer.key })).status).toBe(404);
    expect((await call(server, 'POST', `/api/v1/marketplace/${sandbox.body.data.id}/install`, { token: installer.key })).status).toBe(404);
    expect(await listIds('search=sandbox')).toEqual([]);
  });

  it('unpublishes an item and keeps what it installed', async () => {
    const item = await publish(publisher.key, { type: 'agent', name: 'Short Lived', summary: 'Gone soon', manifest: agentManifest });
    const id = item.body.data.id;
    const install = await call(server, 'POST', `/api/v1/marketplace/${id}/install`, { token: installer.key });
    expect(install.status).toBe(201);
    const removed = await call(server, 'DELETE', `/api/v1/marketplace/${id}`, { token: publisher.key });
    expect(removed.status).toBe(200);
    expect(removed.body.data).toEqual({ id, deleted: true });
    expect((await call(server, 'GET', `/api/v1/marketplace/${id}`, { token: installer.key })).status).toBe(404);
    expect((await call(server, 'GET', `/api/v1/marketplace/${id}`, { token: publisher.key })).status).toBe(404);
    expect((await call(server, 'POST', `/api/v1/marketplace/${id}/install`, { token: outsider.key })).status).toBe(404);
    expect((await call(server, 'DELETE', `/api/v1/marketplace/${id}`, { token: publisher.key })).status).toBe(404);
    expect(await listIds('search=short%20lived')).toEqual([]);
    const agent = await call(server, 'GET', `/api/v1/agents/${install.body.data.agents[0].id}`, { token: installer.key });
    expect(agent.status).toBe(200);
  });

  it('requires the scopes of what it creates', async () => {
    const keyWith = async (scopes: string[]) => (await createApiKey(server.prisma, outsider.account.id, { scopes })).token;
    const readOnly = await keyWith(['marketplace:read']);
    expect((await call(server, 'GET', '/api/v1/marketplace', { token: readOnly })).status).toBe(200);
    const denied = await publish(readOnly, { type: 'agent', name: 'x', summary: 'y', manifest: agentManifest });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('insufficient_scope');
    expect(denied.body.error.message).toContain('marketplace:write');
    expect((await call(server, 'POST', `/api/v1/marketplace/${published.agent!.id}/install`, { token: readOnly })).status).toBe(403);

    const agentsOnly = await keyWith(['agents:write']);
    const noMarketplace = await call(server, 'GET', '/api/v1/marketplace', { token: agentsOnly });
    expect(noMarketplace.status).toBe(403);
    expect(noMarketplace.body.error.message).toContain('marketplace:read');

    const marketplaceOnly = await keyWith(['marketplace:write']);
    const agentInstall = await call(server, 'POST', `/api/v1/marketplace/${published.agent!.id}/install`, { token: marketplaceOnly });
    expect(agentInstall.status).toBe(403);
    expect(agentInstall.body.error.message).toContain('agents:write');

    const agentsAndMarketplace = await keyWith(['marketplace:write', 'agents:write']);
    const fleetInstall = await call(server, 'POST', `/api/v1/marketplace/${published.fleet_template!.id}/install`, { token: agentsAndMarketplace });
    // The outsider installed this fleet template before, so the scope check must come first.
    expect(fleetInstall.status).toBe(403);
    expect(fleetInstall.body.error.message).toContain('fleets:write');
    const toolInstall = await call(server, 'POST', `/api/v1/marketplace/${published.tool!.id}/install`, { token: agentsAndMarketplace });
    expect(toolInstall.status).toBe(403);
    expect(toolInstall.body.error.message).toContain('"*"');
    const extensionInstall = await call(server, 'POST', `/api/v1/marketplace/${published.extension!.id}/install`, { token: agentsAndMarketplace });
    expect(extensionInstall.status).toBe(403);
    const ok = await call(server, 'POST', `/api/v1/marketplace/${published.agent!.id}/install`, { token: agentsAndMarketplace });
    expect(ok.status).toBe(201);

    const anonymous = await call(server, 'GET', '/api/v1/marketplace');
    expect(anonymous.status).toBe(401);
  });

  it('renames a tool whose name is taken', async () => {
    const path = `/api/v1/marketplace/${published.tool!.id}/install`;
    const response = await call(server, 'POST', path, { token: outsider.key });
    expect(response.status).toBe(409);
    expect(response.body.error.message).toContain('zephyr_forecast');
    const installations = await server.prisma.marketplaceInstallation.count({ where: { accountId: outsider.account.id, itemId: published.tool!.id } });
    expect(installations).toBe(0);

    const badNames: [unknown, string][] = [
      [{ weather: 'x_tool' }, 'tool_names.weather'],
      [{ zephyr_forecast: 'Bad Name' }, 'tool_names.zephyr_forecast'],
      [['zephyr_forecast'], 'tool_names'],
    ];
    for (const [toolNames, field] of badNames) {
      const rejected = await call(server, 'POST', path, { token: outsider.key, json: { tool_names: toolNames } });
      expect(rejected.status, field).toBe(400);
      expect(rejected.body.error.details[0].field, field).toBe(field);
    }
    const renamed = await call(server, 'POST', path, { token: outsider.key, json: { tool_names: { zephyr_forecast: 'outsider_zephyr' } } });
    expect(renamed.status).toBe(201);
    expect(renamed.body.data.tools[0].name).toBe('outsider_zephyr');
    const tool = await call(server, 'GET', '/api/v1/tools/outsider_zephyr', { token: outsider.key });
    expect(tool.body.data.http.url).toBe('http://127.0.0.1:9/forecast/{harbour}');
    const again = await call(server, 'POST', path, { token: outsider.key });
    expect(again.status).toBe(200);
    expect(again.body.data.tools[0].name).toBe('outsider_zephyr');
  });

  it('installs built-in items with catalogue skills', async () => {
    const account = await createTestAccount(server);
    const listed = await call(server, 'GET', '/api/v1/marketplace?search=security%20review&type=fleet_template', { token: account.key });
    const item = (listed.body.data as Item[]).find((entry) => entry.name === 'Security Review')!;
    const install = await call(server, 'POST', `/api/v1/marketplace/${item.id}/install`, { token: account.key });
    expect(install.status).toBe(201);
    expect(install.body.data.fleet).toMatchObject({ name: 'Security Review', max_agents: 4 });
    expect(install.body.data.agents).toHaveLength(4);
    const skills = new Set((install.body.data.agents as { skills: string[] }[]).flatMap((agent) => agent.skills));
    expect(skills.size).toBeGreaterThan(5);
    for (const skill of skills) {
      const tool = await call(server, 'GET', `/api/v1/tools/${skill}`, { token: account.key });
      expect(tool.status, skill).toBe(200);
      expect(tool.body.data.kind, skill).toBe('builtin');
    }
  });

  it('creates one installation under concurrent installs', async () => {
    const account = await createTestAccount(server);
    const path = `/api/v1/marketplace/${published.agent!.id}/install`;
    const responses = await Promise.all([1, 2, 3].map(() => call(server, 'POST', path, { token: account.key })));
    expect(responses.map((response) => response.status).sort()).toEqual([200, 200, 201]);
    expect(new Set(responses.map((response) => response.body.data.id)).size).toBe(1);
    const agents = await call(server, 'GET', '/api/v1/agents', { token: account.key });
    expect(agents.body.meta.total).toBe(1);
  });

  it('serves the same loop over GraphQL', async () => {
    const list = await graphql(
      server,
      `query ($search: String) { marketplaceItems(search: $search, type: agent, first: 5) { totalCount edges { node { id databaseId name type version builtin } } } }`,
      { token: outsider.key, variables: { search: 'release' } },
    );
    expect(list.body.errors).toBeUndefined();
    const release = list.body.data.marketplaceItems.edges[0].node;
    expect(release).toMatchObject({ name: 'Release Assistant', type: 'agent', builtin: true });

    const install = `mutation ($id: ID!) { installMarketplaceItem(input: { id: $id }) { created installation { version item { name installCount } agents { databaseId name skills fleet { id } } fleet { id } tools { name } webhookEndpoints { id } } } }`;
    const first = await graphql(server, install, { token: outsider.key, variables: { id: release.id } });
    expect(first.body.errors).toBeUndefined();
    const payload = first.body.data.installMarketplaceItem;
    expect(payload.created).toBe(true);
    expect(payload.installation.item).toEqual({ name: 'Release Assistant', installCount: 1 });
    expect(payload.installation.agents[0].skills).toContain('semver_compare');
    const second = await graphql(server, install, { token: outsider.key, variables: { id: release.id } });
    expect(second.body.data.installMarketplaceItem.created).toBe(false);
    expect(second.body.data.installMarketplaceItem.installation.agents[0].databaseId).toBe(payload.installation.agents[0].databaseId);

    const rated = await graphql(
      server,
      `mutation ($id: ID!) { rateMarketplaceItem(input: { id: $id, rating: 5 }) { rating item { ratingAverage ratingCount } } }`,
      { token: outsider.key, variables: { id: release.id } },
    );
    expect(rated.body.data.rateMarketplaceItem).toEqual({ rating: 5, item: { ratingAverage: 5, ratingCount: 1 } });

    const published = await graphql(
      server,
      `mutation ($manifest: JSON!) { publishMarketplaceItem(input: { type: agent, name: "Graph Agent", summary: "From GraphQL", manifest: $manifest }) { item { id version } } }`,
      { token: outsider.key, variables: { manifest: { agent_name: 'Graph Agent' } } },
    );
    expect(published.body.errors[0].extensions.code).toBe('validation_error');
    expect(published.body.errors[0].extensions.details[0].field).toBe('manifest.agent_role');

    const byId = await graphql(server, `query ($id: ID!) { marketplaceItem(id: $id) { name } node(id: $id) { id } }`, {
      token: outsider.key,
      variables: { id: release.id },
    });
    expect(byId.body.data.marketplaceItem.name).toBe('Release Assistant');
    expect(byId.body.data.node.id).toBe(release.id);
  });
});
