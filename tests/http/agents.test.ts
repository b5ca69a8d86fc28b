import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/accounts/api-keys.js';
import {
  call,
  createTestAccount,
  startServer,
  type TestAccount,
  type TestServer,
} from '../support/server.js';

/** An agent as REST v1 returns it. */
interface RestAgent {
  id: number;
  agent_name: string;
  agent_role: string;
  task: string;
  skills: string[];
  fleet_id: number | null;
  status: string;
  voice_enabled: boolean;
  voice_engine: string | null;
  created_at: string;
  updated_at: string;
}

type Response = Awaited<ReturnType<typeof call>>;

/** ISO 8601 in UTC with a `Z` suffix and whole seconds, as in `2026-03-04T12:00:00Z`. */
const isoUtc = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

const agentFields = [
  'agent_name',
  'agent_role',
  'created_at',
  'fleet_id',
  'id',
  'skills',
  'status',
  'task',
  'updated_at',
  'voice_enabled',
  'voice_engine',
];

const unlimited = { account: { plan: 'enterprise' as const } };

/** Ids that cannot name a row: not decimal integers, zero, negative or past PostgreSQL `integer`. */
const impossibleIds = [
  'abc',
  '0',
  '-1',
  '1.5',
  '01',
  '1e3',
  '0x10',
  '2147483648',
  '99999999999999999999999',
];

function expectError(response: Response, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  expect(response.body.error.code).toBe(code);
  expect(response.body.error.status).toBe(status);
  expect(typeof response.body.error.message).toBe('string');
  expect(response.body.error.message).not.toBe('');
}

/** Checks a 400 `validation_error` that names exactly `fields`, in details and in the message. */
function expectInvalidFields(response: Response, fields: string[]): void {
  expectError(response, 400, 'validation_error');
  const details = response.body.error.details as { field: string; message: string }[];
  expect(details.map((issue) => issue.field).sort()).toEqual([...fields].sort());
  for (const issue of details) {
    expect(typeof issue.message).toBe('string');
    expect(issue.message).not.toBe('');
  }
  for (const field of fields) {
    expect(response.body.error.message).toContain(field);
  }
}

describe('agents REST API', () => {
  let server: TestServer;
  let owner: TestAccount;
  let stranger: TestAccount;

  beforeAll(async () => {
    server = await startServer();
    // Enterprise plans have no agent quota, so these tests can create as many agents as
    // they need; the quota itself is tested with free-plan accounts elsewhere.
    owner = await createTestAccount(server, unlimited);
    stranger = await createTestAccount(server, unlimited);
  });

  afterAll(async () => {
    await server.stop();
  });

  async function createAgent(
    token: string,
    fields: Record<string, unknown> = {},
  ): Promise<RestAgent> {
    const response = await call(server, 'POST', '/api/v1/agents', {
      token,
      json: { agent_name: 'Helper', agent_role: 'generalist', ...fields },
    });
    expect(response.status).toBe(201);

    return response.body.data as RestAgent;
  }

  async function getAgent(token: string, id: number): Promise<Response> {
    return call(server, 'GET', `/api/v1/agents/${id}`, { token });
  }

  async function createFleet(
    account: TestAccount,
    options: { maxAgents?: number; autoScale?: boolean; livemode?: boolean } = {},
  ): Promise<number> {
    const fleet = await server.prisma.fleet.create({
      data: {
        accountId: account.account.id,
        livemode: options.livemode ?? true,
        name: 'Support Team',
        maxAgents: options.maxAgents ?? 5,
        autoScale: options.autoScale ?? false,
      },
    });

    return fleet.id;
  }

  /** Creates an empty account, for tests that count or page through all of its agents. */
  async function freshAccount(): Promise<TestAccount> {
    return createTestAccount(server, unlimited);
  }

  describe('spec examples', () => {
    it('creates the example agent verbatim', async () => {
      const body = `{
  "agent_name": "Support Bot",
  "agent_role": "specialist",
  "task": "Handle customer billing questions",
  "skills": ["product_lookup", "ticket_create"],
  "voice_enabled": true,
  "voice_engine": "cartesia"
}`;
      const created = await call(server, 'POST', '/api/v1/agents', {
        headers: { authorization: `Bearer ${owner.key}`, 'content-type': 'application/json' },
        body,
      });

      expect(created.status).toBe(201);
      expect(created.headers.get('content-type')).toMatch(/^application\/json/);
      expect(Object.keys(created.body)).toEqual(['data']);
      const agent = created.body.data as RestAgent;
      expect(Object.keys(agent).sort()).toEqual(agentFields);
      expect(Number.isInteger(agent.id)).toBe(true);
      expect(agent).toMatchObject({
        agent_name: 'Support Bot',
        agent_role: 'specialist',
        task: 'Handle customer billing questions',
        skills: ['product_lookup', 'ticket_create'],
        fleet_id: null,
        status: 'idle',
        voice_enabled: true,
        voice_engine: 'cartesia',
      });
    });

    it('fetches the documented shape', async () => {
      const agent = await createAgent(owner.key, {
        agent_name: 'Support Bot',
        agent_role: 'specialist',
        task: 'Handle customer billing questions',
        skills: ['product_lookup', 'ticket_create'],
        voice_enabled: true,
        voice_engine: 'cartesia',
      });
      const fetched = await getAgent(owner.key, agent.id);

      expect(fetched.status).toBe(200);
      expect(Object.keys(fetched.body)).toEqual(['data']);
      expect(Object.keys(fetched.body.data).sort()).toEqual(agentFields);
      expect(fetched.body.data).toEqual(agent);
      expect(fetched.body.data.created_at).toMatch(isoUtc);
      expect(fetched.body.data.updated_at).toMatch(isoUtc);
    });

    it('lists with the example query string', async () => {
      const account = await freshAccount();
      await createAgent(account.key);
      const list = await call(server, 'GET', '/api/v1/agents?page=1&per_page=10', {
        token: account.key,
      });

      expect(list.status).toBe(200);
      expect(Object.keys(list.body).sort()).toEqual(['data', 'meta']);
      expect(list.body.data).toHaveLength(1);
      expect(list.body.meta).toEqual({ total: 1, page: 1, per_page: 10, total_pages: 1 });
    });

    it('deploys to the working status', async () => {
      const agent = await createAgent(owner.key);
      const deployed = await call(server, 'POST', `/api/v1/agents/${agent.id}/deploy`, {
        token: owner.key,
      });

      expect(deployed.status).toBe(200);
      expect(Object.keys(deployed.body.data).sort()).toEqual(agentFields);
      expect(deployed.body.data.status).toBe('working');
    });
  });

  describe('POST /api/v1/agents', () => {
    it('fills defaults for optional fields', async () => {
      const before = Date.now();
      const agent = await createAgent(owner.key, { agent_name: 'Minimal', agent_role: 'leader' });

      expect(agent).toMatchObject({
        agent_name: 'Minimal',
        agent_role: 'leader',
        task: '',
        skills: [],
        fleet_id: null,
        status: 'idle',
        voice_enabled: false,
        voice_engine: null,
      });
      expect(agent.created_at).toMatch(isoUtc);
      expect(agent.updated_at).toMatch(isoUtc);
      const created = Date.parse(agent.created_at);
      expect(created).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
      expect(created).toBeLessThanOrEqual(Date.now());
      expect(agent.updated_at).toBe(agent.created_at);
    });

    it('accepts every role', async () => {
      for (const role of ['leader', 'specialist', 'generalist', 'reviewer']) {
        const agent = await createAgent(owner.key, { agent_role: role });
        expect(agent.agent_role).toBe(role);
      }
    });

    it('accepts every voice engine and null', async () => {
      for (const engine of ['kokoro', 'orpheus', 'cartesia', 'elevenlabs', null]) {
        const agent = await createAgent(owner.key, {
          voice_enabled: engine !== null,
          voice_engine: engine,
        });
        expect(agent.voice_engine).toBe(engine);
        expect(agent.voice_enabled).toBe(engine !== null);
      }
    });

    it('accepts values at every limit', async () => {
      const skills = Array.from({ length: 100 }, (_, index) => `tool_${index}`);
      const agent = await createAgent(owner.key, {
        agent_name: 'n'.repeat(100),
        task: 't'.repeat(2000),
        skills,
      });

      expect(agent.agent_name).toBe('n'.repeat(100));
      expect(agent.task).toBe('t'.repeat(2000));
      expect(agent.skills).toEqual(skills);
    });

    it('counts characters, not UTF-16 code units', async () => {
      const emojiName = '🤖'.repeat(100);
      const agent = await createAgent(owner.key, {
        agent_name: emojiName,
        task: '🧾'.repeat(2000),
      });
      expect(agent.agent_name).toBe(emojiName);

      const tooLong = await call(server, 'POST', '/api/v1/agents', {
        token: owner.key,
        json: { agent_name: '🤖'.repeat(101), agent_role: 'leader' },
      });
      expectInvalidFields(tooLong, ['agent_name']);
      expect(tooLong.body.error.message).toContain('got 101');
    });

    it('keeps unicode and trims the name', async () => {
      const agent = await createAgent(owner.key, {
        agent_name: '  Agent Ünïcødé 名前  ',
        task: '  keep spaces  ',
      });

      expect(agent.agent_name).toBe('Agent Ünïcødé 名前');
      expect(agent.task).toBe('  keep spaces  ');
    });

    it('removes duplicate skills', async () => {
      const agent = await createAgent(owner.key, {
        skills: ['dns_lookup', 'web_search', 'dns_lookup'],
      });

      expect(agent.skills).toEqual(['dns_lookup', 'web_search']);
    });

    it('joins a fleet of the same account', async () => {
      const fleetId = await createFleet(owner);
      const agent = await createAgent(owner.key, { fleet_id: fleetId });

      expect(agent.fleet_id).toBe(fleetId);
      expect((await getAgent(owner.key, agent.id)).body.data.fleet_id).toBe(fleetId);
    });

    const invalidCases: [string, Record<string, unknown>, string, string][] = [
      ['agent_name missing', { agent_name: undefined }, 'agent_name', 'is required'],
      ['agent_name empty', { agent_name: '' }, 'agent_name', 'must not be empty'],
      ['agent_name blank', { agent_name: '   ' }, 'agent_name', 'must not be empty'],
      [
        'agent_name too long',
        { agent_name: 'n'.repeat(101) },
        'agent_name',
        'at most 100 characters, got 101',
      ],
      ['agent_name a number', { agent_name: 42 }, 'agent_name', 'must be a string'],
      ['agent_name null', { agent_name: null }, 'agent_name', 'must be a string'],
      [
        'agent_role missing',
        { agent_role: undefined },
        'agent_role',
        'leader, specialist, generalist, reviewer',
      ],
      ['agent_role unknown', { agent_role: 'boss' }, 'agent_role', 'got "boss"'],
      ['agent_role capitalised', { agent_role: 'Leader' }, 'agent_role', 'got "Leader"'],
      ['task too long', { task: 't'.repeat(2001) }, 'task', 'at most 2000 characters, got 2001'],
      ['task a number', { task: 7 }, 'task', 'must be a string'],
      ['skills a string', { skills: 'dns_lookup' }, 'skills', 'must be an array'],
      ['skills an object', { skills: { dns_lookup: true } }, 'skills', 'must be an array'],
      ['skill with spaces', { skills: ['DNS Lookup'] }, 'skills.0', 'snake_case'],
      ['skill in camelCase', { skills: ['ok_tool', 'dnsLookup'] }, 'skills.1', 'snake_case'],
      ['skill a number', { skills: [5] }, 'skills.0', 'must be a string'],
      [
        'too many skills',
        { skills: Array.from({ length: 101 }, (_, i) => `t_${i}`) },
        'skills',
        'at most 100',
      ],
      ['fleet_id a string', { fleet_id: '7' }, 'fleet_id', 'integer'],
      ['fleet_id fractional', { fleet_id: 1.5 }, 'fleet_id', 'integer'],
      ['fleet_id zero', { fleet_id: 0 }, 'fleet_id', 'positive'],
      ['fleet_id negative', { fleet_id: -3 }, 'fleet_id', 'positive'],
      ['fleet_id huge', { fleet_id: 2147483648 }, 'fleet_id', 'does not name a fleet'],
      [
        'fleet_id unknown',
        { fleet_id: 2147483647 },
        'fleet_id',
        'does not name a fleet of this account',
      ],
      ['voice_enabled a string', { voice_enabled: 'yes' }, 'voice_enabled', 'true or false'],
      ['voice_enabled null', { voice_enabled: null }, 'voice_enabled', 'true or false'],
      [
        'voice_engine unknown',
        { voice_engine: 'siri' },
        'voice_engine',
        'kokoro, orpheus, cartesia, elevenlabs',
      ],
      [
        'voice_engine a number',
        { voice_engine: 1 },
        'voice_engine',
        'kokoro, orpheus, cartesia, elevenlabs',
      ],
    ];

    for (const [name, patch, field, message] of invalidCases) {
      it(`rejects ${name}`, async () => {
        const response = await call(server, 'POST', '/api/v1/agents', {
          token: owner.key,
          json: { agent_name: 'Valid', agent_role: 'leader', ...patch },
        });

        expectInvalidFields(response, [field]);
        const issue = response.body.error.details[0] as { field: string; message: string };
        expect(issue.message).toContain(message);
      });
    }

    it('names missing fields of {}', async () => {
      const response = await call(server, 'POST', '/api/v1/agents', { token: owner.key, json: {} });

      expectInvalidFields(response, ['agent_name', 'agent_role']);
    });

    it('names every invalid field at once', async () => {
      const response = await call(server, 'POST', '/api/v1/agents', {
        token: owner.key,
        json: {
          agent_name: 'n'.repeat(101),
          agent_role: 'boss',
          task: 't'.repeat(2001),
          skills: ['Bad Name'],
          fleet_id: 'x',
          voice_enabled: 'yes',
          voice_engine: 'siri',
        },
      });

      expectInvalidFields(response, [
        'agent_name',
        'agent_role',
        'task',
        'skills.0',
        'fleet_id',
        'voice_enabled',
        'voice_engine',
      ]);
    });

    it('rejects unknown body fields', async () => {
      const response = await call(server, 'POST', '/api/v1/agents', {
        token: owner.key,
        json: { agent_name: 'Bot', agent_role: 'leader', name: 'Bot', status: 'working', id: 9 },
      });

      expectInvalidFields(response, ['id', 'name', 'status']);
      expect(response.body.error.details[0].message).toContain('agent_name');
    });

    it('rejects a fleet of another account', async () => {
      const fleetId = await createFleet(stranger);
      const response = await call(server, 'POST', '/api/v1/agents', {
        token: owner.key,
        json: { agent_name: 'Bot', agent_role: 'leader', fleet_id: fleetId },
      });

      expectInvalidFields(response, ['fleet_id']);
      expect(response.body.error.message).toContain(String(fleetId));
    });

    it('rejects a fleet of the other mode', async () => {
      const testFleet = await createFleet(owner, { livemode: false });
      const response = await call(server, 'POST', '/api/v1/agents', {
        token: owner.key,
        json: { agent_name: 'Bot', agent_role: 'leader', fleet_id: testFleet },
      });

      expectInvalidFields(response, ['fleet_id']);
    });

    it('rejects joining a full fleet with 409', async () => {
      const fleetId = await createFleet(owner, { maxAgents: 1 });
      await createAgent(owner.key, { fleet_id: fleetId });
      const response = await call(server, 'POST', '/api/v1/agents', {
        token: owner.key,
        json: { agent_name: 'Second', agent_role: 'leader', fleet_id: fleetId },
      });

      expectError(response, 409, 'conflict');
      expect(response.body.error.message).toContain(String(fleetId));
      const members = await server.prisma.agent.count({ where: { fleetId } });
      expect(members).toBe(1);
    });

    it('lets auto-scaling fleets grow', async () => {
      const fleetId = await createFleet(owner, { maxAgents: 1, autoScale: true });
      await createAgent(owner.key, { fleet_id: fleetId });
      const second = await createAgent(owner.key, { fleet_id: fleetId });

      expect(second.fleet_id).toBe(fleetId);
    });

    it('caps fleets under concurrent joins', async () => {
      const fleetId = await createFleet(owner, { maxAgents: 2 });
      const responses = await Promise.all(
        Array.from({ length: 6 }, (_, index) =>
          call(server, 'POST', '/api/v1/agents', {
            token: owner.key,
            json: { agent_name: `Racer ${index}`, agent_role: 'generalist', fleet_id: fleetId },
          }),
        ),
      );
      const statuses = responses.map((response) => response.status).sort();

      expect(statuses).toEqual([201, 201, 409, 409, 409, 409]);
      expect(await server.prisma.agent.count({ where: { fleetId } })).toBe(2);
    });
  });

  describe('GET /api/v1/agents', () => {
    it('lists an empty account', async () => {
      const account = await freshAccount();
      const list = await call(server, 'GET', '/api/v1/agents', { token: account.key });

      expect(list.status).toBe(200);
      expect(list.body).toEqual({
        data: [],
        meta: { total: 0, page: 1, per_page: 20, total_pages: 0 },
      });
    });

    it('pages oldest first with correct meta', async () => {
      const account = await freshAccount();
      const ids: number[] = [];
      for (let index = 0; index < 5; index += 1) {
        ids.push((await createAgent(account.key, { agent_name: `Agent ${index}` })).id);
      }

      const pages: number[][] = [];
      for (const page of [1, 2, 3]) {
        const response = await call(server, 'GET', `/api/v1/agents?page=${page}&per_page=2`, {
          token: account.key,
        });
        expect(response.status).toBe(200);
        expect(response.body.meta).toEqual({ total: 5, page, per_page: 2, total_pages: 3 });
        pages.push(response.body.data.map((agent: RestAgent) => agent.id));
      }

      expect(pages).toEqual([ids.slice(0, 2), ids.slice(2, 4), ids.slice(4)]);
    });

    it('defaults to 20 per page', async () => {
      const account = await freshAccount();
      await server.prisma.agent.createMany({
        data: Array.from({ length: 25 }, (_, index) => ({
          accountId: account.account.id,
          name: `Bulk ${index}`,
          role: 'generalist' as const,
        })),
      });

      const first = await call(server, 'GET', '/api/v1/agents', { token: account.key });
      expect(first.body.data).toHaveLength(20);
      expect(first.body.meta).toEqual({ total: 25, page: 1, per_page: 20, total_pages: 2 });

      const second = await call(server, 'GET', '/api/v1/agents?page=2', { token: account.key });
      expect(second.body.data).toHaveLength(5);

      const all = await call(server, 'GET', '/api/v1/agents?per_page=100', { token: account.key });
      expect(all.body.data).toHaveLength(25);
      expect(all.body.meta).toEqual({ total: 25, page: 1, per_page: 100, total_pages: 1 });
    });

    it('returns empty pages past the end', async () => {
      const account = await freshAccount();
      await createAgent(account.key);
      await createAgent(account.key);

      for (const page of [2, 3, 10_000_000]) {
        const response = await call(server, 'GET', `/api/v1/agents?page=${page}&per_page=2`, {
          token: account.key,
        });
        expect(response.status).toBe(200);
        expect(response.body).toEqual({
          data: [],
          meta: { total: 2, page, per_page: 2, total_pages: 1 },
        });
      }
    });

    const invalidPages: [string, string][] = [
      ['page=0', 'page'],
      ['page=-1', 'page'],
      ['page=abc', 'page'],
      ['page=1.5', 'page'],
      ['page=', 'page'],
      ['page=%2B1', 'page'],
      ['page=1e3', 'page'],
      ['page=10000001', 'page'],
      ['page=99999999999999999999', 'page'],
      ['per_page=0', 'per_page'],
      ['per_page=-5', 'per_page'],
      ['per_page=abc', 'per_page'],
      ['per_page=101', 'per_page'],
      ['per_page=1000', 'per_page'],
      ['per_page=2.0', 'per_page'],
    ];

    for (const [query, parameter] of invalidPages) {
      it(`rejects ${query}`, async () => {
        const response = await call(server, 'GET', `/api/v1/agents?${query}`, { token: owner.key });

        expectInvalidFields(response, [parameter]);
      });
    }

    it('names both invalid parameters', async () => {
      const response = await call(server, 'GET', '/api/v1/agents?page=0&per_page=101', {
        token: owner.key,
      });

      expectInvalidFields(response, ['page', 'per_page']);
      expect(response.body.error.message).toContain('"0"');
      expect(response.body.error.message).toContain('"101"');
    });

    it('shows only the caller account', async () => {
      const mine = await freshAccount();
      const theirs = await freshAccount();
      const own = await createAgent(mine.key);
      await createAgent(theirs.key);

      const list = await call(server, 'GET', '/api/v1/agents', { token: mine.key });
      expect(list.body.data.map((agent: RestAgent) => agent.id)).toEqual([own.id]);
      expect(list.body.meta.total).toBe(1);
    });

    it('keeps live and test agents apart', async () => {
      const account = await freshAccount();
      const { token: testKey } = await createApiKey(server.prisma, account.account.id, {
        test: true,
      });
      const live = await createAgent(account.key, { agent_name: 'Live' });
      const sandbox = await createAgent(testKey, { agent_name: 'Sandbox' });

      const liveList = await call(server, 'GET', '/api/v1/agents', { token: account.key });
      expect(liveList.body.data.map((agent: RestAgent) => agent.id)).toEqual([live.id]);
      const testList = await call(server, 'GET', '/api/v1/agents', { token: testKey });
      expect(testList.body.data.map((agent: RestAgent) => agent.id)).toEqual([sandbox.id]);

      expectError(await getAgent(testKey, live.id), 404, 'resource_not_found');
      expectError(await getAgent(account.key, sandbox.id), 404, 'resource_not_found');
    });
  });

  describe('GET /api/v1/agents/{id}', () => {
    it('answers 404 for unknown ids', async () => {
      const response = await getAgent(owner.key, 2147483647);

      expectError(response, 404, 'resource_not_found');
      expect(response.body.error.message).toContain('2147483647');
    });

    it('answers 404 for impossible ids', async () => {
      for (const id of impossibleIds) {
        const response = await call(server, 'GET', `/api/v1/agents/${id}`, { token: owner.key });
        expectError(response, 404, 'resource_not_found');
      }
    });

    it('hides another account agent behind 404', async () => {
      const agent = await createAgent(stranger.key, { agent_name: 'Private Stranger Bot' });
      const response = await getAgent(owner.key, agent.id);

      expectError(response, 404, 'resource_not_found');
      expect(response.text).not.toContain('Private Stranger Bot');
    });
  });

  describe('PUT /api/v1/agents/{id}', () => {
    it('changes only the fields given', async () => {
      const agent = await createAgent(owner.key, {
        agent_name: 'Original',
        agent_role: 'specialist',
        task: 'Old task',
        skills: ['dns_lookup'],
        voice_enabled: true,
        voice_engine: 'kokoro',
      });
      const updated = await call(server, 'PUT', `/api/v1/agents/${agent.id}`, {
        token: owner.key,
        json: { task: 'New task' },
      });

      expect(updated.status).toBe(200);
      expect(Object.keys(updated.body.data).sort()).toEqual(agentFields);
      expect(updated.body.data).toEqual({
        ...agent,
        task: 'New task',
        updated_at: updated.body.data.updated_at,
      });
      expect(updated.body.data.updated_at).toMatch(isoUtc);
      expect(Date.parse(updated.body.data.updated_at)).toBeGreaterThanOrEqual(
        Date.parse(agent.updated_at),
      );
      expect((await getAgent(owner.key, agent.id)).body.data).toEqual(updated.body.data);
    });

    it('changes every mutable field at once', async () => {
      const fleetId = await createFleet(owner);
      const agent = await createAgent(owner.key);
      const changes = {
        agent_name: 'Renamed',
        agent_role: 'reviewer',
        task: 'Review pull requests',
        skills: ['code_review'],
        fleet_id: fleetId,
        voice_enabled: true,
        voice_engine: 'elevenlabs',
      };
      const updated = await call(server, 'PUT', `/api/v1/agents/${agent.id}`, {
        token: owner.key,
        json: changes,
      });

      expect(updated.status).toBe(200);
      expect(updated.body.data).toMatchObject({
        ...changes,
        id: agent.id,
        status: 'idle',
        created_at: agent.created_at,
      });
    });

    it('clears the nullable fields with null', async () => {
      const fleetId = await createFleet(owner);
      const agent = await createAgent(owner.key, {
        task: 'Something',
        skills: ['dns_lookup'],
        fleet_id: fleetId,
        voice_enabled: true,
        voice_engine: 'orpheus',
      });
      const updated = await call(server, 'PUT', `/api/v1/agents/${agent.id}`, {
        token: owner.key,
        json: { task: null, skills: null, fleet_id: null, voice_engine: null },
      });

      expect(updated.status).toBe(200);
      expect(updated.body.data).toMatchObject({
        agent_name: agent.agent_name,
        task: '',
        skills: [],
        fleet_id: null,
        voice_enabled: true,
        voice_engine: null,
      });
    });

    it('rejects null for required fields', async () => {
      const agent = await createAgent(owner.key);
      const response = await call(server, 'PUT', `/api/v1/agents/${agent.id}`, {
        token: owner.key,
        json: { agent_name: null, agent_role: null, voice_enabled: null },
      });

      expectInvalidFields(response, ['agent_name', 'agent_role', 'voice_enabled']);
      expect((await getAgent(owner.key, agent.id)).body.data).toEqual(agent);
    });

    it('ignores an empty object', async () => {
      const agent = await createAgent(owner.key);
      const response = await call(server, 'PUT', `/api/v1/agents/${agent.id}`, {
        token: owner.key,
        json: {},
      });

      expect(response.status).toBe(200);
      expect(response.body.data).toEqual(agent);
    });

    it('rejects an empty body', async () => {
      const agent = await createAgent(owner.key);
      const response = await call(server, 'PUT', `/api/v1/agents/${agent.id}`, {
        token: owner.key,
        headers: { 'content-type': 'application/json' },
        body: '',
      });

      expectError(response, 400, 'validation_error');
    });

    it('names every invalid field and changes nothing', async () => {
      const agent = await createAgent(owner.key);
      const response = await call(server, 'PUT', `/api/v1/agents/${agent.id}`, {
        token: owner.key,
        json: {
          agent_name: '',
          agent_role: 'boss',
          task: 't'.repeat(2001),
          skills: ['ok_tool', 'Not OK'],
          fleet_id: 0,
          voice_enabled: 1,
          voice_engine: 'siri',
        },
      });

      expectInvalidFields(response, [
        'agent_name',
        'agent_role',
        'task',
        'skills.1',
        'fleet_id',
        'voice_enabled',
        'voice_engine',
      ]);
      expect((await getAgent(owner.key, agent.id)).body.data).toEqual(agent);
    });

    it('rejects read-only and unknown fields', async () => {
      const agent = await createAgent(owner.key);
      const response = await call(server, 'PUT', `/api/v1/agents/${agent.id}`, {
        token: owner.key,
        json: { status: 'working', id: 1, created_at: '2026-01-01T00:00:00Z', agentName: 'x' },
      });

      expectInvalidFields(response, ['agentName', 'created_at', 'id', 'status']);
      expect((await getAgent(owner.key, agent.id)).body.data.status).toBe('idle');
    });

    it('rejects moving into full fleets', async () => {
      const fleetId = await createFleet(owner, { maxAgents: 1 });
      const member = await createAgent(owner.key, { fleet_id: fleetId });
      const outsider = await createAgent(owner.key);

      const response = await call(server, 'PUT', `/api/v1/agents/${outsider.id}`, {
        token: owner.key,
        json: { fleet_id: fleetId },
      });
      expectError(response, 409, 'conflict');
      expect((await getAgent(owner.key, outsider.id)).body.data.fleet_id).toBeNull();

      const stay = await call(server, 'PUT', `/api/v1/agents/${member.id}`, {
        token: owner.key,
        json: { fleet_id: fleetId, task: 'Still a member' },
      });
      expect(stay.status).toBe(200);
      expect(stay.body.data.fleet_id).toBe(fleetId);
    });

    it('frees a slot on leaving', async () => {
      const fleetId = await createFleet(owner, { maxAgents: 1 });
      const member = await createAgent(owner.key, { fleet_id: fleetId });
      await call(server, 'PUT', `/api/v1/agents/${member.id}`, {
        token: owner.key,
        json: { fleet_id: null },
      });

      const newcomer = await createAgent(owner.key, { fleet_id: fleetId });
      expect(newcomer.fleet_id).toBe(fleetId);
    });

    it('rejects a fleet of another account', async () => {
      const fleetId = await createFleet(stranger);
      const agent = await createAgent(owner.key);
      const response = await call(server, 'PUT', `/api/v1/agents/${agent.id}`, {
        token: owner.key,
        json: { fleet_id: fleetId },
      });

      expectInvalidFields(response, ['fleet_id']);
    });

    it('keeps the status of a deployed agent', async () => {
      const agent = await createAgent(owner.key);
      await call(server, 'POST', `/api/v1/agents/${agent.id}/deploy`, { token: owner.key });
      const updated = await call(server, 'PUT', `/api/v1/agents/${agent.id}`, {
        token: owner.key,
        json: { agent_name: 'Still working' },
      });

      expect(updated.body.data.status).toBe('working');
    });

    it('rejects missing and foreign ids', async () => {
      const foreign = await createAgent(stranger.key, { agent_name: 'Foreign' });
      for (const id of [...impossibleIds, '2147483647', String(foreign.id)]) {
        const response = await call(server, 'PUT', `/api/v1/agents/${id}`, {
          token: owner.key,
          json: { agent_name: 'Hijacked' },
        });
        expectError(response, 404, 'resource_not_found');
      }

      expect((await getAgent(stranger.key, foreign.id)).body.data.agent_name).toBe('Foreign');
    });
  });

  describe('DELETE /api/v1/agents/{id}', () => {
    it('deletes and then answers 404', async () => {
      const agent = await createAgent(owner.key);
      const deleted = await call(server, 'DELETE', `/api/v1/agents/${agent.id}`, {
        token: owner.key,
      });

      expect(deleted.status).toBe(200);
      expect(deleted.body).toEqual({ data: { id: agent.id, deleted: true } });
      expectError(await getAgent(owner.key, agent.id), 404, 'resource_not_found');
      expectError(
        await call(server, 'DELETE', `/api/v1/agents/${agent.id}`, { token: owner.key }),
        404,
        'resource_not_found',
      );
    });

    it('frees a slot on delete', async () => {
      const fleetId = await createFleet(owner, { maxAgents: 1 });
      const member = await createAgent(owner.key, { fleet_id: fleetId });
      await call(server, 'DELETE', `/api/v1/agents/${member.id}`, { token: owner.key });

      expect((await createAgent(owner.key, { fleet_id: fleetId })).fleet_id).toBe(fleetId);
    });

    it('rejects missing and foreign ids', async () => {
      const foreign = await createAgent(stranger.key);
      for (const id of [...impossibleIds, '2147483647', String(foreign.id)]) {
        const response = await call(server, 'DELETE', `/api/v1/agents/${id}`, { token: owner.key });
        expectError(response, 404, 'resource_not_found');
      }

      expect((await getAgent(stranger.key, foreign.id)).status).toBe(200);
    });
  });

  describe('POST /api/v1/agents/{id}/deploy', () => {
    it('is idempotent', async () => {
      const agent = await createAgent(owner.key);
      const first = await call(server, 'POST', `/api/v1/agents/${agent.id}/deploy`, {
        token: owner.key,
      });
      const second = await call(server, 'POST', `/api/v1/agents/${agent.id}/deploy`, {
        token: owner.key,
      });

      expect(first.status).toBe(200);
      expect(second.status).toBe(200);
      expect(second.body.data).toEqual(first.body.data);
      expect(first.body.data).toMatchObject({
        ...agent,
        status: 'working',
        updated_at: first.body.data.updated_at,
      });
      expect((await getAgent(owner.key, agent.id)).body.data.status).toBe('working');
    });

    it('accepts {} as the body', async () => {
      const agent = await createAgent(owner.key);
      const response = await call(server, 'POST', `/api/v1/agents/${agent.id}/deploy`, {
        token: owner.key,
        json: {},
      });

      expect(response.status).toBe(200);
      expect(response.body.data.status).toBe('working');
    });

    it('rejects body fields', async () => {
      const agent = await createAgent(owner.key);
      const response = await call(server, 'POST', `/api/v1/agents/${agent.id}/deploy`, {
        token: owner.key,
        json: { force: true },
      });

      expectInvalidFields(response, ['force']);
      expect((await getAgent(owner.key, agent.id)).body.data.status).toBe('idle');
    });

    it('rejects a malformed or non-JSON body', async () => {
      const agent = await createAgent(owner.key);
      const malformed = await call(server, 'POST', `/api/v1/agents/${agent.id}/deploy`, {
        token: owner.key,
        headers: { 'content-type': 'application/json' },
        body: '{',
      });
      expectError(malformed, 400, 'validation_error');

      const plain = await call(server, 'POST', `/api/v1/agents/${agent.id}/deploy`, {
        token: owner.key,
        headers: { 'content-type': 'text/plain' },
        body: '{}',
      });
      expectError(plain, 415, 'unsupported_media_type');
    });

    it('deploys a paused agent', async () => {
      const agent = await createAgent(owner.key);
      await server.prisma.agent.update({ where: { id: agent.id }, data: { status: 'paused' } });
      const response = await call(server, 'POST', `/api/v1/agents/${agent.id}/deploy`, {
        token: owner.key,
      });

      expect(response.status).toBe(200);
      expect(response.body.data.status).toBe('working');
    });

    it('rejects errored agents with 409', async () => {
      const agent = await createAgent(owner.key);
      await server.prisma.agent.update({ where: { id: agent.id }, data: { status: 'error' } });
      const response = await call(server, 'POST', `/api/v1/agents/${agent.id}/deploy`, {
        token: owner.key,
      });

      expectError(response, 409, 'conflict');
      expect(response.body.error.message).toContain('error');
      expect((await getAgent(owner.key, agent.id)).body.data.status).toBe('error');
    });

    it('redeploys after an update clears errors', async () => {
      const agent = await createAgent(owner.key);
      await server.prisma.agent.update({ where: { id: agent.id }, data: { status: 'error' } });
      const updated = await call(server, 'PUT', `/api/v1/agents/${agent.id}`, {
        token: owner.key,
        json: { task: 'Fixed configuration' },
      });
      expect(updated.status).toBe(200);
      expect(updated.body.data.status).toBe('idle');

      const deployed = await call(server, 'POST', `/api/v1/agents/${agent.id}/deploy`, {
        token: owner.key,
      });
      expect(deployed.status).toBe(200);
      expect(deployed.body.data.status).toBe('working');
    });

    it('rejects missing and foreign ids', async () => {
      const foreign = await createAgent(stranger.key);
      for (const id of [...impossibleIds, '2147483647', String(foreign.id)]) {
        const response = await call(server, 'POST', `/api/v1/agents/${id}/deploy`, {
          token: owner.key,
        });
        expectError(response, 404, 'resource_not_found');
      }

      expect((await getAgent(stranger.key, foreign.id)).body.data.status).toBe('idle');
    });
  });

  describe('POST /api/v1/agents/{id}/execute', () => {
    let agent: RestAgent;

    beforeAll(async () => {
      agent = await createAgent(owner.key, { skills: ['product_lookup'] });
    });

    function execute(
      body: unknown,
      id: number | string = agent.id,
      token = owner.key,
    ): Promise<Response> {
      return call(server, 'POST', `/api/v1/agents/${id}/execute`, { token, json: body });
    }

    it('answers 503 naming the settings to configure', async () => {
      const response = await execute({
        message: 'Look up the account and open a ticket',
        tools: ['product_lookup', 'ticket_create'],
        context: { customer_id: 17, tags: ['billing'] },
      });

      expectError(response, 503, 'service_unavailable');
      expect(response.body.error.message).toContain('OPENAI_BASE_URL');
      expect(response.body.error.message).toContain('LLM_DEFAULT_MODEL');
    });

    it('accepts a message of exactly 10,000 characters', async () => {
      const response = await execute({ message: 'm'.repeat(10_000) });

      expectError(response, 503, 'service_unavailable');
    });

    const invalidCases: [string, Record<string, unknown>, string][] = [
      ['message missing', {}, 'message'],
      ['message empty', { message: '' }, 'message'],
      ['message blank', { message: '  \n ' }, 'message'],
      ['message too long', { message: 'm'.repeat(10_001) }, 'message'],
      ['message a number', { message: 5 }, 'message'],
      ['message null', { message: null }, 'message'],
      ['tools a string', { message: 'hi', tools: 'dns_lookup' }, 'tools'],
      ['tool not snake_case', { message: 'hi', tools: ['dns_lookup', 'Web Search'] }, 'tools.1'],
      ['context an array', { message: 'hi', context: [1, 2] }, 'context'],
      ['context a string', { message: 'hi', context: 'facts' }, 'context'],
      ['context null', { message: 'hi', context: null }, 'context'],
      ['unknown field', { message: 'hi', model: 'gpt' }, 'model'],
    ];

    for (const [name, body, field] of invalidCases) {
      it(`rejects ${name}`, async () => {
        expectInvalidFields(await execute(body), [field]);
      });
    }

    it('names every invalid field at once', async () => {
      const response = await execute({ message: 'm'.repeat(10_001), tools: ['Bad'], context: [] });

      expectInvalidFields(response, ['message', 'tools.0', 'context']);
    });

    it('checks the agent before the body', async () => {
      const foreign = await createAgent(stranger.key);
      for (const id of [...impossibleIds, '2147483647', String(foreign.id)]) {
        expectError(await execute({ message: 'hi' }, id), 404, 'resource_not_found');
        expectError(await execute({}, id), 404, 'resource_not_found');
      }
    });

    it('rejects a malformed body', async () => {
      const response = await call(server, 'POST', `/api/v1/agents/${agent.id}/execute`, {
        token: owner.key,
        headers: { 'content-type': 'application/json' },
        body: '{"message": "hi",}',
      });

      expectError(response, 400, 'validation_error');
    });
  });

  describe('authentication and scopes', () => {
    const endpoints: [string, string, unknown, 'agents:read' | 'agents:write'][] = [
      ['GET', '/api/v1/agents', undefined, 'agents:read'],
      ['GET', '/api/v1/agents/ID', undefined, 'agents:read'],
      ['POST', '/api/v1/agents', { agent_name: 'Bot', agent_role: 'leader' }, 'agents:write'],
      ['PUT', '/api/v1/agents/ID', { task: 'x' }, 'agents:write'],
      ['DELETE', '/api/v1/agents/ID', undefined, 'agents:write'],
      ['POST', '/api/v1/agents/ID/deploy', undefined, 'agents:write'],
      ['POST', '/api/v1/agents/ID/execute', { message: 'hi' }, 'agents:write'],
    ];

    it('requires a credential on every endpoint', async () => {
      const agent = await createAgent(owner.key);
      for (const [method, path, json] of endpoints) {
        const url = path.replace('ID', String(agent.id));
        expectError(await call(server, method, url, { json }), 401, 'auth_required');
        expectError(
          await call(server, method, url, { json, token: 'ak_live_nope_nope' }),
          401,
          'auth_required',
        );
      }

      expect((await getAgent(owner.key, agent.id)).body.data).toEqual(agent);
    });

    it('requires the scope of each endpoint', async () => {
      const { token: readKey } = await createApiKey(server.prisma, owner.account.id, {
        scopes: ['agents:read'],
      });
      const { token: otherKey } = await createApiKey(server.prisma, owner.account.id, {
        scopes: ['tools:read'],
      });
      const agent = await createAgent(owner.key);

      for (const [method, path, json, scope] of endpoints) {
        const url = path.replace('ID', String(agent.id));
        const withOther = await call(server, method, url, { json, token: otherKey });
        expectError(withOther, 403, 'insufficient_scope');
        expect(withOther.body.error.message).toContain(scope);

        const withRead = await call(server, method, url, { json, token: readKey });
        if (scope === 'agents:read') {
          expect(withRead.status).toBe(200);
        } else {
          expectError(withRead, 403, 'insufficient_scope');
          expect(withRead.body.error.message).toContain('agents:write');
        }
      }

      expect((await getAgent(owner.key, agent.id)).body.data).toEqual(agent);
    });

    it('lets an agents:write key read as well', async () => {
      const { token: writeKey } = await createApiKey(server.prisma, owner.account.id, {
        scopes: ['agents:write'],
      });
      const agent = await createAgent(writeKey);

      expect((await getAgent(writeKey, agent.id)).status).toBe(200);
      expect((await call(server, 'GET', '/api/v1/agents', { token: writeKey })).status).toBe(200);
    });
  });
});
