/**
 * Load benchmark of the HTTP server. It starts `src/main.ts` as its own process on a
 * fresh PostgreSQL database and seeds an account with agents. Then autocannon drives each
 * scenario, and the script prints a Markdown table of throughput, latency and the
 * server's resident memory.
 *
 *   npm run bench -- [--duration 10] [--connections 32]
 *
 * Needs PostgreSQL where BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres)
 * may create databases. Rate limits are off so that the server, not the limiter, is measured.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { once } from 'node:events';
import { parseArgs, promisify } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';

const run = promisify(execFile);

const { values: options } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '32' },
    agents: { type: 'string', default: '200' },
  },
});
const durationSeconds = Number(options.duration);
const connections = Number(options.connections);
const agentCount = Number(options.agents);
const port = 4990;
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

interface Scenario {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
}

const scenarios: Scenario[] = [
  { name: 'GET /healthz (no auth, no database)', method: 'GET', path: '/healthz' },
  { name: 'GET /api/v1/agents?per_page=20', method: 'GET', path: '/api/v1/agents?per_page=20' },
  { name: 'GET /api/v1/agents/{id}', method: 'GET', path: '/api/v1/agents/1' },
  { name: 'GET /api/v1/tools?search=dsn lookup (typo)', method: 'GET', path: '/api/v1/tools?search=dsn%20lookup' },
  {
    name: 'POST /api/v1/tools/hash/execute',
    method: 'POST',
    path: '/api/v1/tools/hash/execute',
    body: { args: { input: 'benchmark', algorithm: 'sha256' } },
  },
  {
    name: 'POST /graphql agents(first: 20)',
    method: 'POST',
    path: '/graphql',
    body: { query: '{ agents(first: 20) { totalCount edges { node { id name status } } } }' },
  },
];

function databaseUrl(name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;

  return url.toString();
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Resident set size of a process in MiB, from /proc (Linux only). */
async function residentMib(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);

  return Math.round(kib / 1024);
}

async function waitUntilReady(url: string, server: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) {
      throw new Error(`the server exited with code ${server.exitCode} before it was ready`);
    }
    try {
      if ((await fetch(`${url}/readyz`)).ok) {
        return;
      }
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the server at ${url} was not ready within 60 seconds`);
}

async function createKey(env: NodeJS.ProcessEnv): Promise<string> {
  const email = `bench-${randomBytes(3).toString('hex')}@example.com`;
  await run('npx', ['tsx', 'src/cli/main.ts', 'accounts', 'create', '--email', email, '--tier', 'enterprise'], { env });
  const { stdout } = await run('npx', ['tsx', 'src/cli/main.ts', 'keys', 'create', '--email', email], { env });

  return stdout.trim();
}

async function seedAgents(url: string, key: string): Promise<void> {
  for (let index = 0; index < agentCount; index += 1) {
    const response = await fetch(`${url}/api/v1/agents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ agent_name: `Agent ${index}`, agent_role: 'generalist', skills: ['dns_lookup'] }),
    });
    if (response.status !== 201) {
      throw new Error(`seeding agent ${index} failed with ${response.status}: ${await response.text()}`);
    }
  }
}

async function measure(url: string, key: string, scenario: Scenario): Promise<autocannon.Result> {
  const result = await autocannon({
    url: `${url}${scenario.path}`,
    method: scenario.method,
    connections,
    duration: durationSeconds,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: scenario.body === undefined ? undefined : JSON.stringify(scenario.body),
  });
  const failed = result.non2xx + result.errors + result.timeouts;
  if (failed > 0) {
    throw new Error(`${scenario.name}: ${failed} of ${result.requests.total} requests failed`);
  }

  return result;
}

async function main(): Promise<void> {
  const database = `agentgraph_bench_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${database}`);
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl(database),
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    RATE_LIMITS: 'off',
  };
  // Node with the tsx loader in one process, so that its pid is the server's own.
  const server = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(url, server);
    const key = await createKey(env);
    await seedAgents(url, key);
    const serverPid = server.pid!;
    const idleMib = await residentMib(serverPid);

    const rows: string[] = [];
    for (const scenario of scenarios) {
      // A first run of the same length warms up the JIT, the pool and the caches.
      await measure(url, key, scenario);
      const result = await measure(url, key, scenario);
      rows.push(
        `| ${scenario.name} | ${Math.round(result.requests.average)} | ${result.latency.p50} | ${result.latency.p99} | ${await residentMib(serverPid)} |`,
      );
    }

    process.stdout.write(
      [
        `${connections} connections, ${durationSeconds} s per scenario after a warm-up run of the same length, ${agentCount} agents in the account.`,
        `Server RSS when idle after seeding: ${idleMib} MiB.`,
        '',
        '| scenario | requests/s | p50 ms | p99 ms | server RSS after, MiB |',
        '| --- | ---: | ---: | ---: | ---: |',
        ...rows,
        '',
      ].join('\n'),
    );
  } finally {
    server.kill('SIGTERM');
    await once(server, 'exit');
    await adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  }
}

await main();
