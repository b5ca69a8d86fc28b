import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMigrations } from '../../src/db/migrate.js';
import {
  call,
  createTestDatabase,
  databaseKind,
  startServer,
  type TestServer,
} from '../support/server.js';

const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Time allowed for one test, which runs several CLI processes and may start servers. */
const flowTimeoutMs = 180_000;

/** A database that the CLI and a server started in this process both use, one at a time. */
interface CliTarget {
  /** Settings for the CLI process: DATABASE_URL, or DATA_DIR for the embedded database. */
  env: Record<string, string>;
  dispose(): Promise<void>;
}

async function createTarget(): Promise<CliTarget> {
  if (databaseKind === 'postgres') {
    const database = await createTestDatabase();

    return { env: { DATABASE_URL: database.url }, dispose: database.drop };
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'agentgraph-cli-'));

  return {
    env: { DATA_DIR: dataDir },
    dispose: () => rm(dataDir, { recursive: true, force: true }),
  };
}

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as its own process, the way `npm run cli -- ...` does, and waits for it. */
function runCli(target: CliTarget, args: string[], input?: string): Promise<CliResult> {
  const env: Record<string, string | undefined> = { ...process.env, ...target.env };
  // A DATABASE_URL from the shell that runs the tests would override the embedded database.
  if (target.env.DATABASE_URL === undefined) {
    delete env.DATABASE_URL;
  }
  delete env.LOG_LEVEL;

  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: repositoryRoot,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: 90_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

/** Runs the CLI and fails with its standard error unless it exits with 0. */
async function runCliOk(target: CliTarget, args: string[], input?: string): Promise<CliResult> {
  const result = await runCli(target, args, input);
  if (result.code !== 0) {
    throw new Error(`cli ${args.join(' ')} exited with ${String(result.code)}: ${result.stderr}`);
  }

  return result;
}

/**
 * Starts a server on the target's database, runs `task` and stops the server again, so
 * that a CLI process run afterwards may open the embedded database.
 */
async function withServer(
  target: CliTarget,
  task: (server: TestServer) => Promise<void>,
): Promise<void> {
  const server = await startServer(target.env);
  try {
    await task(server);
  } finally {
    await server.stop();
  }
}

function uniqueEmail(label: string): string {
  return `${label}-${randomBytes(4).toString('hex')}@example.com`;
}

/** Finds the first line of `stderr` that looks like a stack frame. */
function stackFrame(stderr: string): string | undefined {
  return stderr.split('\n').find((line) => /^\s+at\s/.test(line));
}

function basicAuth(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
}

describe('operator CLI', () => {
  let target: CliTarget;
  beforeAll(async () => {
    target = await createTarget();
  });
  afterAll(async () => {
    await target.dispose();
  });

  it('accounts create and its input errors', { timeout: flowTimeoutMs }, async () => {
    const email = uniqueEmail('owner');
    const created = await runCli(target, [
      'accounts',
      'create',
      '--email',
      email.toUpperCase(),
      '--tier',
      'professional',
      '--name',
      'Ops',
    ]);
    expect(created.stderr).not.toContain('Unexpected error');
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(
      new RegExp(`^Created account \\d+: ${email}, tier professional`),
    );

    const listed = await runCliOk(target, ['accounts', 'list', '--json']);
    const accounts = JSON.parse(listed.stdout) as { email: string; tier: string; name: string }[];
    expect(accounts).toContainEqual(
      expect.objectContaining({ email, tier: 'professional', name: 'Ops' }),
    );

    const table = await runCliOk(target, ['accounts', 'list']);
    expect(table.stdout.split('\n')[0]).toMatch(/^id\s+email\s+name\s+tier\s+password\s+created$/);
    expect(table.stdout).toContain(email);

    const duplicate = await runCli(target, ['accounts', 'create', '--email', email]);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stdout).toBe('');
    expect(duplicate.stderr.trim()).toBe(`An account with email ${email} already exists`);

    const badTier = await runCli(target, [
      'accounts',
      'create',
      '--email',
      uniqueEmail('x'),
      '--tier',
      'gold',
    ]);
    expect(badTier.code).toBe(1);
    expect(badTier.stderr).toContain("argument 'gold' is invalid");
    expect(badTier.stderr).toContain('free, starter, professional, enterprise');

    const badEmail = await runCli(target, ['accounts', 'create', '--email', 'not-an-email']);
    expect(badEmail.code).toBe(1);
    expect(badEmail.stderr.trim()).toBe('Invalid input: --email must be an email address');
    expect(stackFrame(badEmail.stderr)).toBeUndefined();

    const shortPassword = await runCli(
      target,
      ['accounts', 'create', '--email', uniqueEmail('short'), '--password-stdin'],
      'short\n',
    );
    expect(shortPassword.code).toBe(1);
    expect(shortPassword.stderr).toContain(
      'password on standard input must be at least 10 characters, got 5',
    );
  });

  it('keys create prints only a working key', { timeout: flowTimeoutMs }, async () => {
    const email = uniqueEmail('keys');
    await runCliOk(target, ['accounts', 'create', '--email', email]);
    const full = await runCliOk(target, ['keys', 'create', '--email', email, '--name', 'deploy']);
    expect(full.stdout).toMatch(/^ak_live_[a-z0-9]+_[A-Za-z0-9]+\n$/);
    expect(full.stderr).toContain('cannot be shown again');
    const fullKey = full.stdout.trim();
    expect(full.stderr).not.toContain(fullKey);

    const reader = await runCliOk(target, [
      'keys',
      'create',
      '--email',
      email,
      '--scopes',
      'agents:read',
    ]);
    const readerKey = reader.stdout.trim();
    const sandbox = await runCliOk(target, ['keys', 'create', '--email', email, '--test']);
    expect(sandbox.stdout).toMatch(/^ak_test_[a-z0-9]+_[A-Za-z0-9]+\n$/);
    const sandboxKey = sandbox.stdout.trim();

    const unknownScope = await runCli(target, [
      'keys',
      'create',
      '--email',
      email,
      '--scopes',
      'agents:read,agents:fly',
    ]);
    expect(unknownScope.code).toBe(1);
    expect(unknownScope.stdout).toBe('');
    expect(unknownScope.stderr.trim()).toBe(
      'Invalid input: --scopes contains unknown scopes: agents:fly',
    );

    const noAccount = await runCli(target, ['keys', 'create', '--email', uniqueEmail('nobody')]);
    expect(noAccount.code).toBe(1);
    expect(noAccount.stderr).toMatch(/^Account \S+ was not found\n$/);

    await withServer(target, async (server) => {
      expect((await call(server, 'GET', '/api/v1/agents', { token: fullKey })).status).toBe(200);
      const created = await call(server, 'POST', '/api/v1/agents', {
        token: fullKey,
        json: { agent_name: 'Live agent', agent_role: 'specialist' },
      });
      expect(created.status).toBe(201);

      expect((await call(server, 'GET', '/api/v1/agents', { token: readerKey })).status).toBe(200);
      const denied = await call(server, 'POST', '/api/v1/agents', {
        token: readerKey,
        json: { agent_name: 'Not allowed', agent_role: 'specialist' },
      });
      expect(denied.status).toBe(403);
      expect(denied.body.error.code).toBe('insufficient_scope');
      expect(denied.body.error.message).toContain('agents:write');

      const sandboxList = await call(server, 'GET', '/api/v1/agents', { token: sandboxKey });
      expect(sandboxList.status).toBe(200);
      expect(sandboxList.body.data).toEqual([]);
    });
  });

  it('keys list and revoke', { timeout: flowTimeoutMs }, async () => {
    const email = uniqueEmail('revoke');
    await runCliOk(target, ['accounts', 'create', '--email', email]);
    const first = (
      await runCliOk(target, ['keys', 'create', '--email', email, '--name', 'first'])
    ).stdout.trim();
    const second = (
      await runCliOk(target, [
        'keys',
        'create',
        '--email',
        email,
        '--scopes',
        'agents:read,chat:write',
        '--test',
      ])
    ).stdout.trim();
    const [, , firstPrefix] = first.split('_');
    const [, , secondPrefix] = second.split('_');

    const table = await runCliOk(target, ['keys', 'list', '--email', email]);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^id\s+name\s+key\s+mode\s+scopes\s+created\s+last used\s+revoked$/);
    expect(lines).toHaveLength(3);
    expect(table.stdout).toContain(`ak_live_${firstPrefix}_…`);
    expect(table.stdout).toContain(`ak_test_${secondPrefix}_…`);
    expect(table.stdout).toContain('agents:read,chat:write');
    expect(table.stdout).not.toContain(first);
    expect(table.stdout).not.toContain(second);

    const listed = JSON.parse(
      (await runCliOk(target, ['keys', 'list', '--email', email, '--json'])).stdout,
    ) as {
      id: number;
      name: string;
      key: string;
      mode: string;
      scopes: string[];
      revoked_at: string | null;
    }[];
    expect(listed.map((key) => key.mode)).toEqual(['live', 'test']);
    expect(listed[0]).toMatchObject({ name: 'first', scopes: ['*'], revoked_at: null });
    expect(listed[1]?.scopes).toEqual(['agents:read', 'chat:write']);

    const neither = await runCli(target, ['keys', 'revoke', '--email', email]);
    expect(neither.code).toBe(1);
    expect(neither.stderr).toContain('--id or --prefix');

    const both = await runCli(target, [
      'keys',
      'revoke',
      '--email',
      email,
      '--id',
      '1',
      '--prefix',
      'abc',
    ]);
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('cannot be used with');

    const unknown = await runCli(target, ['keys', 'revoke', '--email', email, '--id', '999999']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toBe('API key 999999 was not found');

    const byId = await runCliOk(target, [
      'keys',
      'revoke',
      '--email',
      email,
      '--id',
      String(listed[0]?.id),
    ]);
    expect(byId.stdout).toContain(`Revoked API key ${String(listed[0]?.id)}`);
    const again = await runCliOk(target, [
      'keys',
      'revoke',
      '--email',
      email,
      '--id',
      String(listed[0]?.id),
    ]);
    expect(again.stdout).toContain('was already revoked');
    // The elided form that keys list prints names the key as well as its bare prefix.
    await runCliOk(target, [
      'keys',
      'revoke',
      '--email',
      email,
      '--prefix',
      `ak_test_${secondPrefix}_…`,
    ]);

    const afterRevoke = JSON.parse(
      (await runCliOk(target, ['keys', 'list', '--email', email, '--json'])).stdout,
    ) as {
      revoked_at: string | null;
    }[];
    expect(afterRevoke.every((key) => key.revoked_at !== null)).toBe(true);

    await withServer(target, async (server) => {
      for (const key of [first, second]) {
        const rejected = await call(server, 'GET', '/api/v1/agents', { token: key });
        expect(rejected.status).toBe(401);
        expect(rejected.body.error.code).toBe('auth_required');
        expect(rejected.body.error.message).toContain('revoked');
      }
    });
  });

  it('oauth-apps create issues working tokens', { timeout: flowTimeoutMs }, async () => {
    const email = uniqueEmail('oauth');
    await runCliOk(target, ['accounts', 'create', '--email', email]);
    const created = await runCliOk(target, [
      'oauth-apps',
      'create',
      '--email',
      email,
      '--name',
      'Reporting bot',
      '--scopes',
      'agents:read',
      '--json',
    ]);
    const app = JSON.parse(created.stdout) as {
      client_id: string;
      client_secret: string;
      scopes: string[];
    };
    expect(app.client_id).toMatch(/^oac_/);
    expect(app.client_secret).toMatch(/^oas_/);
    expect(app.scopes).toEqual(['agents:read']);
    expect(created.stderr).not.toContain(app.client_secret);

    const plain = await runCliOk(target, [
      'oauth-apps',
      'create',
      '--email',
      email,
      '--name',
      'Second',
    ]);
    expect(plain.stdout).toMatch(/^client_id: oac_\S+\nclient_secret: oas_\S+\n$/);

    const table = await runCliOk(target, ['oauth-apps', 'list', '--email', email]);
    expect(table.stdout).toContain(app.client_id);
    expect(table.stdout).toContain('Reporting bot');
    expect(table.stdout).not.toContain(app.client_secret);

    const emptyName = await runCli(target, [
      'oauth-apps',
      'create',
      '--email',
      email,
      '--name',
      ' ',
    ]);
    expect(emptyName.code).toBe(1);
    expect(emptyName.stderr.trim()).toBe('Invalid input: --name must not be empty');

    let accessToken = '';
    await withServer(target, async (server) => {
      const token = await call(server, 'POST', '/api/v1/oauth/token', {
        body: 'grant_type=client_credentials',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: basicAuth(app.client_id, app.client_secret),
        },
      });
      expect(token.status).toBe(200);
      expect(token.body.token_type).toBe('Bearer');
      expect(token.body.scope).toBe('agents:read');
      expect(token.body.access_token).toMatch(/^aat_/);
      accessToken = token.body.access_token as string;

      expect((await call(server, 'GET', '/api/v1/agents', { token: accessToken })).status).toBe(
        200,
      );
      const denied = await call(server, 'POST', '/api/v1/agents', {
        token: accessToken,
        json: { agent_name: 'Not allowed', agent_role: 'specialist' },
      });
      expect(denied.status).toBe(403);
      expect(denied.body.error.code).toBe('insufficient_scope');
    });

    const revoked = await runCliOk(target, [
      'oauth-apps',
      'revoke',
      '--email',
      email,
      '--client-id',
      app.client_id,
    ]);
    expect(revoked.stdout).toContain(`Revoked OAuth app`);
    const unknown = await runCli(target, [
      'oauth-apps',
      'revoke',
      '--email',
      email,
      '--client-id',
      'oac_missing',
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toBe('OAuth app oac_missing was not found');

    await withServer(target, async (server) => {
      expect((await call(server, 'GET', '/api/v1/agents', { token: accessToken })).status).toBe(
        401,
      );
      const refused = await call(server, 'POST', '/api/v1/oauth/token', {
        body: 'grant_type=client_credentials',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: basicAuth(app.client_id, app.client_secret),
        },
      });
      expect(refused.status).toBe(401);
      expect(refused.body.error).toBe('invalid_client');
    });
  });

  it('accounts create reads a password for sign-in', { timeout: flowTimeoutMs }, async () => {
    const email = uniqueEmail('session');
    const password = 'correct horse battery staple';
    const created = await runCliOk(
      target,
      ['accounts', 'create', '--email', email, '--password-stdin'],
      `${password}\n`,
    );
    expect(created.stdout).toContain('password set');

    await withServer(target, async (server) => {
      const signIn = await call(server, 'POST', '/api/auth.php', { json: { email, password } });
      expect(signIn.status).toBe(200);
      expect(signIn.body.data.token).toMatch(/^sess_/);
      const agents = await call(server, 'GET', '/api/v1/agents', {
        token: signIn.body.data.token as string,
      });
      expect(agents.status).toBe(200);

      const withNewline = await call(server, 'POST', '/api/auth.php', {
        json: { email, password: `${password}\n` },
      });
      expect(withNewline.status).toBe(401);
    });
  });

  it('db migrate applies each migration once', { timeout: flowTimeoutMs }, async () => {
    const fresh = await createTarget();
    try {
      const names = (await readMigrations()).map((migration) => migration.name);

      const before = JSON.parse(
        (await runCliOk(fresh, ['db', 'status', '--json'])).stdout,
      ) as unknown;
      expect(before).toEqual({ applied: [], pending: names });

      const first = await runCliOk(fresh, ['db', 'migrate']);
      expect(first.stdout).toContain(`Applied ${names.length} migration`);
      for (const name of names) {
        expect(first.stdout).toContain(name);
      }

      const second = await runCliOk(fresh, ['db', 'migrate']);
      expect(second.stdout).toMatch(/^No pending migrations/);

      const after = JSON.parse(
        (await runCliOk(fresh, ['db', 'status', '--json'])).stdout,
      ) as unknown;
      expect(after).toEqual({ applied: names, pending: [] });
      const table = await runCliOk(fresh, ['db', 'status']);
      expect(table.stdout).toContain('The database schema is current.');
    } finally {
      await fresh.dispose();
    }
  });

  it('bad settings exit without a stack trace', async () => {
    const result = await runCli({ ...target, env: { ...target.env, PORT: 'abc' } }, [
      'accounts',
      'list',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      'Invalid settings: PORT must be an integer from 0 to 65535, got "abc"',
    );
  });

  it.runIf(databaseKind === 'postgres')('unreachable database is one line', async () => {
    const unreachable = {
      ...target,
      env: { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' },
    };
    const result = await runCli(unreachable, ['accounts', 'list']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^Could not connect to the database: .*ECONNREFUSED.*Check DATABASE_URL\.\n$/,
    );
  });
});

describe.runIf(databaseKind === 'pglite')('embedded database lock', () => {
  let target: CliTarget;
  let lockPath: string;
  beforeAll(async () => {
    target = await createTarget();
    lockPath = join(target.env.DATA_DIR ?? '', 'pgdata.lock');
  });
  afterAll(async () => {
    await target.dispose();
  });

  it('lock rejects a second process', { timeout: flowTimeoutMs }, async () => {
    await withServer(target, async () => {
      expect((await readFile(lockPath, 'utf8')).trim()).toBe(String(process.pid));

      const refused = await runCli(target, ['accounts', 'list']);
      expect(refused.code).toBe(1);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toContain(`in use by process ${process.pid}`);
      expect(refused.stderr).toContain('DATABASE_URL');
      expect(stackFrame(refused.stderr)).toBeUndefined();
    });
    await expect(stat(lockPath)).rejects.toThrow(/ENOENT/);

    await runCliOk(target, ['accounts', 'list']);
  });

  it('lock rejects a second opener in-process', { timeout: flowTimeoutMs }, async () => {
    await withServer(target, async () => {
      await expect(startServer(target.env)).rejects.toThrow(`in use by process ${process.pid}`);
    });
  });

  it('stale lock is taken over', { timeout: flowTimeoutMs }, async () => {
    const exited = spawn(process.execPath, ['-e', '']);
    const deadPid = await new Promise<number>((resolve) => {
      exited.on('exit', () => resolve(exited.pid ?? 0));
    });
    await writeFile(lockPath, `${deadPid}\n`);
    await runCliOk(target, ['accounts', 'list']);
    await expect(stat(lockPath)).rejects.toThrow(/ENOENT/);

    // After a container restarts, the server can get the same pid it had before the crash.
    await writeFile(lockPath, `${process.pid}\n`);
    await withServer(target, async (server) => {
      expect((await call(server, 'GET', '/readyz')).status).toBe(200);
    });
  });
});
