import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { createAccount, type CreateAccountInput } from '../../src/accounts/accounts.js';
import { createApiKey } from '../../src/accounts/api-keys.js';
import { PrismaClient } from '../../src/generated/prisma/client.js';
import { createTestDatabase, databaseKind } from './server.js';

export interface ServerProcess {
  child: ChildProcessWithoutNullStreams;
  url: string;
  /** Everything the process wrote to standard output so far. */
  stdout(): string;
  /** Resolves with the exit code once the process ends. */
  exited: Promise<number | null>;
}

/** Returns a loopback port that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Starts `src/main.ts` as `npm start` does and waits until it listens. */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  let errors = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    errors += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${output}${errors}`)), 30_000);
    const check = () => {
      if (output.includes('"msg":"listening"')) {
        clearTimeout(timer);
        child.stdout.off('data', check);
        resolve();
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${String(code)} before listening: ${output}${errors}`));
    });
  });

  return { child, url: `http://127.0.0.1:${port}`, stdout: () => output, exited };
}

/** Settings that point spawned servers at one database of the current project's kind. */
export interface ProcessDatabase {
  env: Record<string, string>;
  /** Removes the database or its data folder. */
  drop(): Promise<void>;
}

/**
 * Creates a database that server processes started with `env` share across restarts: a
 * fresh PostgreSQL database, or an empty PGlite data folder.
 */
export async function createProcessDatabase(name: string): Promise<ProcessDatabase> {
  if (databaseKind === 'pglite') {
    const dataDir = await mkdtemp(join(tmpdir(), `agentgraph-${name}-`));

    return { env: { DATA_DIR: dataDir, DATABASE_URL: '' }, drop: () => rm(dataDir, { recursive: true, force: true }) };
  }
  const database = await createTestDatabase();

  return { env: { DATABASE_URL: database.url }, drop: database.drop };
}

/**
 * Returns an API key of the process's database: on PGlite the key that the first start
 * printed, on PostgreSQL a key of an account created with `account`.
 */
export async function keyForProcess(
  server: ServerProcess,
  database: ProcessDatabase,
  account: CreateAccountInput,
): Promise<string> {
  if (databaseKind === 'pglite') {
    const match = /ak_test_[a-z0-9]{8}_[A-Za-z0-9]{32}/.exec(server.stdout());
    if (match === null) {
      throw new Error('the first start of the embedded database printed no API key');
    }

    return match[0];
  }
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: database.env.DATABASE_URL }) });
  try {
    const created = await createAccount(prisma, account);

    return (await createApiKey(prisma, created.id)).token;
  } finally {
    await prisma.$disconnect();
  }
}

/** Sends a JSON request with `key` to a server process and returns the status and parsed body. */
export async function requestProcess(server: ServerProcess, key: string, method: string, path: string, json?: unknown) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: json === undefined ? undefined : JSON.stringify(json),
  });

  return { status: response.status, body: (await response.json()) as any };
}
