import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import { createAccount, type CreateAccountInput } from '../../src/accounts/accounts.js';
import { createApiKey, type CreateApiKeyInput } from '../../src/accounts/api-keys.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { Account, PrismaClient } from '../../src/generated/prisma/client.js';
import { createLogger } from '../../src/logger.js';
import { createApp, type App } from '../../src/server/app.js';

/** The database kind of the current vitest project: `postgres` or `pglite`. */
export const databaseKind = process.env.TEST_DATABASE === 'pglite' ? 'pglite' : 'postgres';

/** A PostgreSQL server that tests may create databases on. */
export const adminDatabaseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestServer {
  /** Base URL, such as http://127.0.0.1:40123 */
  url: string;
  app: App;
  prisma: PrismaClient;
  config: Config;
  /** Every log line the server wrote, parsed. */
  logs: Record<string, unknown>[];
  /** What the first-start banner printed, if anything. */
  banner: string;
  stop(): Promise<void>;
}

function databaseUrlFor(name: string): string {
  const url = new URL(adminDatabaseUrl);
  url.pathname = `/${name}`;

  return url.toString();
}

/** Creates an empty PostgreSQL database and returns its URL and a function that drops it. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `agentgraph_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminDatabaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();

  return {
    url: databaseUrlFor(name),
    async drop() {
      const client = new pg.Client({ connectionString: adminDatabaseUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/**
 * Starts the real server on a free loopback port over a fresh database of the current
 * project's kind. `env` adds or overrides settings, as environment variables would.
 */
export async function startServer(env: Record<string, string> = {}): Promise<TestServer> {
  let cleanup: () => Promise<void>;
  // Rate limits are off unless a test turns them on: most tests send far more requests per
  // key than any plan allows, and the rate-limit tests check the limits themselves.
  const settings: Record<string, string> = { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', RATE_LIMITS: 'off', ...env };
  if (databaseKind === 'postgres' && settings.DATABASE_URL === undefined) {
    const database = await createTestDatabase();
    settings.DATABASE_URL = database.url;
    cleanup = database.drop;
  } else if (databaseKind === 'pglite' && settings.DATA_DIR === undefined) {
    const dataDir = await mkdtemp(join(tmpdir(), 'agentgraph-test-'));
    settings.DATA_DIR = dataDir;
    cleanup = () => rm(dataDir, { recursive: true, force: true });
  } else {
    cleanup = async () => {};
  }
  if (databaseKind === 'pglite') {
    delete settings.DATABASE_URL;
  }

  const config = loadConfig(settings);
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() !== '') {
          logs.push(JSON.parse(line) as Record<string, unknown>);
        }
      }
      done();
    },
  });
  let banner = '';
  const app = await createApp(config, createLogger(config.logLevel, sink), {
    writeBanner: (text) => {
      banner += text;
    },
  });
  const url = await app.listen();

  return {
    url,
    app,
    prisma: app.database.prisma,
    config,
    logs,
    get banner() {
      return banner;
    },
    async stop() {
      await app.close();
      await cleanup();
    },
  };
}

export interface TestAccount {
  account: Account;
  /** A key with the scopes asked for (`*` by default). */
  key: string;
}

let accountCounter = 0;

/** Creates an account and one API key through the same services the CLI uses. */
export async function createTestAccount(
  server: TestServer,
  options: { account?: Partial<CreateAccountInput>; key?: CreateApiKeyInput } = {},
): Promise<TestAccount> {
  accountCounter += 1;
  const account = await createAccount(server.prisma, {
    email: `user${accountCounter}-${randomBytes(3).toString('hex')}@example.com`,
    plan: 'professional',
    ...options.account,
  });
  const { token } = await createApiKey(server.prisma, account.id, options.key ?? {});

  return { account, key: token };
}

/** Sends a request to the test server with an optional bearer token and JSON body. */
export async function call(
  server: TestServer,
  method: string,
  path: string,
  options: { token?: string; json?: unknown; body?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; text: string; body: any }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) {
    headers.authorization = `Bearer ${options.token}`;
  }
  let body: string | undefined = options.body;
  if (options.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(options.json);
  }
  const response = await fetch(`${server.url}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }

  return { status: response.status, headers: response.headers, text, body: parsed };
}

/** Runs a GraphQL operation over HTTP POST. */
export async function graphql(
  server: TestServer,
  query: string,
  options: { token?: string; variables?: Record<string, unknown> } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const result = await call(server, 'POST', '/graphql', {
    token: options.token,
    json: { query, variables: options.variables },
  });

  return { status: result.status, body: result.body, headers: result.headers };
}
