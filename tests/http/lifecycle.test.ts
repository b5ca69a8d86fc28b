import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess } from '../support/process.js';
import { createTestDatabase, databaseKind } from '../support/server.js';

/** Settings that point a server process at this test's database. */
let databaseEnv: Record<string, string>;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  if (databaseKind === 'pglite') {
    const dataDir = await mkdtemp(join(tmpdir(), 'agentgraph-lifecycle-'));
    databaseEnv = { DATA_DIR: dataDir, DATABASE_URL: '' };
    cleanup = () => rm(dataDir, { recursive: true, force: true });
  } else {
    const database = await createTestDatabase();
    databaseEnv = { DATABASE_URL: database.url };
    cleanup = database.drop;
  }
});

afterAll(async () => {
  await cleanup();
});

/** Sends a request whose body arrives in two parts, returning a function that sends the rest. */
function startSlowRequest(url: string, path: string, body: string, token: string) {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let response = '';
  socket.on('data', (chunk: Buffer) => {
    response += chunk.toString('utf8');
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const half = Math.floor(body.length / 2);
  socket.write(
    `POST ${path} HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${token}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n` +
      body.slice(0, half),
  );

  return {
    async finish(): Promise<string> {
      socket.write(body.slice(half));
      await closed;

      return response;
    },
  };
}

describe('server process', () => {
  it('keeps data across restarts and shuts down gracefully', async () => {
    let first = await startServerProcess(databaseEnv);
    let key: string;
    if (databaseKind === 'pglite') {
      const match = /ak_test_[a-z0-9]{8}_[A-Za-z0-9]{32}/.exec(first.stdout());
      expect(match, 'the first start prints a test key').not.toBeNull();
      key = match![0];
      expect(first.stdout()).toContain('npm run cli -- keys create');
    } else {
      expect(first.stdout()).not.toContain('ak_test_');
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
      key = await createKeyWithCli(databaseEnv);
      first = await startServerProcess(databaseEnv);
    }

    const created = await fetch(`${first.url}/api/v1/agents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ agent_name: 'Survivor', agent_role: 'leader' }),
    });
    expect(created.status).toBe(201);

    // A request in flight when SIGTERM arrives still completes.
    const slow = startSlowRequest(first.url, '/api/v1/agents', JSON.stringify({ agent_name: 'Late', agent_role: 'reviewer' }), key);
    await new Promise((resolve) => setTimeout(resolve, 200));
    first.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await expect(fetch(`${first.url}/healthz`)).rejects.toThrow();
    const response = await slow.finish();
    expect(response).toMatch(/^HTTP\/1\.1 201/);
    expect(await first.exited).toBe(0);
    expect(first.stdout()).toContain('"msg":"stopped"');

    const second = await startServerProcess(databaseEnv);
    try {
      expect(second.stdout()).not.toContain('ak_test_');
      const list = await fetch(`${second.url}/api/v1/agents`, { headers: { authorization: `Bearer ${key}` } });
      const names = ((await list.json()) as { data: { agent_name: string }[] }).data.map((agent) => agent.agent_name);
      expect(names).toEqual(['Survivor', 'Late']);
    } finally {
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    }
  }, 120_000);
});

/** Creates an account and a key with the operator tool, which prints the key alone. */
async function createKeyWithCli(env: Record<string, string>): Promise<string> {
  const { execFile } = await import('node:child_process');
  const run = (args: string[]) =>
    new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { env: { ...process.env, ...env } }, (error, stdout, stderr) =>
        error === null ? resolve(stdout) : reject(new Error(`${error.message}\n${stderr}`)),
      );
    });
  await run(['accounts', 'create', '--email', 'lifecycle@example.com', '--tier', 'starter']);

  return (await run(['keys', 'create', '--email', 'lifecycle@example.com', '--test'])).trim();
}
