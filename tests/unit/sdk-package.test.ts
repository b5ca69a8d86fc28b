import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type HttpPeer } from '../support/peers.js';

const run = promisify(execFile);
const repositoryRoot = resolve(import.meta.dirname, '../..');
const packageFolder = join(repositoryRoot, 'clients/typescript');

interface PackageJson {
  name: string;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
}

interface PackedFile {
  path: string;
}

// A program written as an application would write it: it imports the package by name,
// so Node.js and TypeScript resolve it through the `exports` map of the packed tarball.
const consumerSource = `import { createHmac } from 'node:crypto';
import { Client, NotFoundError, type Agent } from '@agentgraph/client';
import { ViewerDocument, type ViewerQuery } from '@agentgraph/client/graphql';

const client = new Client({ apiKey: 'ak_test_packaged', baseUrl: process.argv[2]!, retry: { maxRetries: 0 } });
let notFound = false;
try {
  const agent: { data: Agent } = await client.agents.get(7);
  console.log(agent.data.agent_name);
} catch (error) {
  notFound = error instanceof NotFoundError && error.code === 'resource_not_found' && error.requestId === 'req-packaged';
}
const body = JSON.stringify({ id: 'evt_1', event: 'agent.created', timestamp: '2026-03-04T15:30:00+00:00', data: {} });
const signature = 'sha256=' + createHmac('sha256', 'whsec_packaged').update(body).digest('hex');
const payload = client.webhooks.verifyAndParse(body, signature, 'whsec_packaged');
const operation: ViewerQuery | undefined = undefined;
console.log(JSON.stringify({
  notFound,
  event: payload.event,
  viewerOperation: ViewerDocument.definitions.length,
  namespaces: ['agents', 'chat', 'tools', 'usage', 'webhooks', 'graphql'].filter((name) => name in client),
  unused: operation === undefined,
}));
`;

const consumerTsconfig = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['ES2023', 'DOM'],
    strict: true,
    outDir: 'dist',
    // The package's own declarations are checked, not only the consumer's use of them.
    skipLibCheck: false,
    types: ['node'],
  },
  files: ['consumer.ts'],
};

/**
 * Links the package's dependencies into the consumer from the repository's
 * node_modules, as `npm install` would place them, without reaching a registry.
 */
async function linkDependencies(consumer: string, names: string[]): Promise<void> {
  for (const name of names) {
    const target = join(consumer, 'node_modules', name);
    await mkdir(dirname(target), { recursive: true });
    await symlink(join(repositoryRoot, 'node_modules', name), target, 'dir');
  }
}

describe('TypeScript SDK package', () => {
  let workspace: string;
  let consumer: string;
  let packed: PackedFile[];
  let api: HttpPeer;
  /** What tsc printed for the consumer; it emits JavaScript even when types fail. */
  let typeErrors: string;

  beforeAll(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'agentgraph-sdk-package-'));
    // npm pack runs the package's prepack script, which builds it with tsc.
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', workspace], { cwd: packageFolder });
    const [result] = JSON.parse(stdout) as { filename: string; files: PackedFile[] }[];
    packed = result!.files;

    consumer = join(workspace, 'consumer');
    const installed = join(consumer, 'node_modules/@agentgraph/client');
    await mkdir(installed, { recursive: true });
    await run('tar', ['-xzf', join(workspace, result!.filename), '-C', installed, '--strip-components=1']);
    const manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as PackageJson;
    await linkDependencies(consumer, [
      ...Object.keys(manifest.dependencies),
      ...Object.keys(manifest.peerDependencies),
      '@types/node',
      '@types/ws',
    ]);
    await writeFile(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    await writeFile(join(consumer, 'tsconfig.json'), JSON.stringify(consumerTsconfig));
    await writeFile(join(consumer, 'consumer.ts'), consumerSource);
    const tsc = join(repositoryRoot, 'node_modules/.bin/tsc');
    typeErrors = await run(tsc, ['-p', 'tsconfig.json'], { cwd: consumer }).then(
      (result) => result.stdout,
      (error: { stdout: string }) => error.stdout,
    );

    api = await startHttpServer((_request, response) => {
      const error = { code: 'resource_not_found', message: 'Agent 7 not found', status: 404 };
      response.writeHead(404, { 'content-type': 'application/json', 'x-request-id': 'req-packaged' });
      response.end(JSON.stringify({ error }));
    });
  }, 240_000);
  afterAll(async () => {
    await api?.close();
    if (workspace !== undefined) {
      await rm(workspace, { recursive: true, force: true });
    }
  });

  it('packs ESM with type declarations', () => {
    const paths = packed.map((file) => file.path);

    expect(paths).toContain('package.json');
    expect(paths).toContain('README.md');
    for (const entry of ['dist/typescript/src/index', 'dist/typescript/src/graphql', 'dist/graphql/graphql']) {
      expect(paths).toContain(`${entry}.js`);
      expect(paths).toContain(`${entry}.d.ts`);
    }
    expect(paths.filter((path) => path.endsWith('.ts') && !path.endsWith('.d.ts'))).toEqual([]);
  });

  it('type-checks a consumer against the declarations', () => {
    expect(typeErrors).toBe('');
  });

  it('runs a consumer on Node.js', async () => {
    const { stdout } = await run(process.execPath, [join(consumer, 'dist/consumer.js'), api.url], { cwd: consumer });
    const output = JSON.parse(stdout) as Record<string, unknown>;

    expect(output.notFound).toBe(true);
    expect(output.event).toBe('agent.created');
    expect(output.viewerOperation).toBe(1);
    expect(output.namespaces).toEqual(['agents', 'chat', 'tools', 'usage', 'webhooks', 'graphql']);
    // The packaged client sent one request, and the server returned a 404 for it.
    expect(api.requests).toEqual(['/api/v1/agents/7']);
  }, 60_000);
});
