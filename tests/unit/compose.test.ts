import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

function readRepositoryFile(path: string): string {
  return readFileSync(`${root}${path}`, 'utf8');
}

interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: (string | number | { target?: string | number; published?: string | number })[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[]; disable?: boolean | string };
  volumes?: (string | { type?: string; source?: string; target?: string })[];
}

interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

function loadCompose(): ComposeFile {
  return parse(readRepositoryFile('docker-compose.yml')) as ComposeFile;
}

/**
 * Compiles the vendored Compose Specification schema. The file declares the draft-07
 * meta-schema by its https URL, which Ajv registers only under http, so the same
 * meta-schema is added under the https id and the vendored file is still checked
 * against it. `strictTypes` is off because the upstream schema uses union types and
 * `additionalProperties` without `type: object`, which Ajv's strict mode rejects.
 */
function compileComposeSchema() {
  const ajv = new Ajv({ allErrors: true, strictTypes: false });
  addFormats.default(ajv);
  const draft07 = ajv.getSchema('http://json-schema.org/draft-07/schema')?.schema;
  if (typeof draft07 !== 'object' || draft07 === null) {
    throw new Error('Ajv did not provide the draft-07 meta-schema');
  }
  ajv.addMetaSchema({ ...draft07, $id: 'https://json-schema.org/draft-07/schema' });
  const schema = JSON.parse(readRepositoryFile('tests/fixtures/compose-spec.json')) as object;

  return ajv.compile(schema);
}

const validateCompose = compileComposeSchema();

function schemaErrors(document: unknown): string[] {
  if (validateCompose(document)) {
    return [];
  }

  return (validateCompose.errors ?? []).map(
    (error: ErrorObject) =>
      `${error.instancePath || '/'} ${error.message ?? 'is invalid'} ${JSON.stringify(error.params)}`,
  );
}

/** Expands `${NAME}` and `${NAME:-default}` as Compose does, from `variables`. */
function interpolate(value: string, variables: Record<string, string>): string {
  return value.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g,
    (_match, name: string, fallback?: string) => {
      const set = variables[name];

      return set === undefined || set === '' ? (fallback ?? '') : set;
    },
  );
}

function environmentOf(service: Service): Record<string, string> {
  const environment = service.environment ?? {};
  if (Array.isArray(environment)) {
    return Object.fromEntries(
      environment.map((entry) => {
        const equals = entry.indexOf('=');

        return equals < 0 ? [entry, ''] : [entry.slice(0, equals), entry.slice(equals + 1)];
      }),
    );
  }

  return Object.fromEntries(
    Object.entries(environment).map(([name, value]) => [name, value === null ? '' : String(value)]),
  );
}

/** Lists the services whose health check is missing or disabled. */
function servicesWithoutHealthcheck(compose: ComposeFile): string[] {
  return Object.entries(compose.services)
    .filter(([, service]) => {
      const check = service.healthcheck;
      if (check?.test === undefined || check.disable === true || check.disable === 'true') {
        return true;
      }
      const test = Array.isArray(check.test) ? check.test : [check.test];

      return test[0] === 'NONE' || test.length === 0;
    })
    .map(([name]) => name);
}

/** Lists the services of `names` that `service` does not wait on until they are healthy. */
function dependenciesNotAwaitedHealthy(service: Service, names: string[]): string[] {
  const dependsOn = service.depends_on;

  return names.filter((name) => {
    if (dependsOn === undefined || Array.isArray(dependsOn)) {
      return true;
    }

    return dependsOn[name]?.condition !== 'service_healthy';
  });
}

/** Lists the container ports that a service publishes, in the short or the long syntax. */
function containerPorts(service: Service): number[] {
  return (service.ports ?? []).map((entry) => {
    if (typeof entry === 'object') {
      return Number(entry.target);
    }
    // Short syntax: [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]
    const withoutProtocol = String(entry).split('/')[0] ?? '';

    return Number(withoutProtocol.split(':').at(-1));
  });
}

interface DockerfileInstruction {
  keyword: string;
  argument: string;
}

/** Splits a Dockerfile into instructions, joining continuation lines and dropping comments. */
function parseDockerfile(text: string): DockerfileInstruction[] {
  const instructions: DockerfileInstruction[] = [];
  let pending = '';
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (pending === '' && (trimmed === '' || trimmed.startsWith('#'))) {
      continue;
    }
    if (trimmed.endsWith('\\')) {
      pending += `${trimmed.slice(0, -1)} `;
      continue;
    }
    const full = `${pending}${trimmed}`;
    pending = '';
    const match = /^(\S+)\s*(.*)$/.exec(full);
    if (match !== null) {
      instructions.push({ keyword: match[1]!.toUpperCase(), argument: match[2]! });
    }
  }

  return instructions;
}

/** Reads the last CMD instruction as an argument list, splitting the shell form on spaces. */
function dockerfileCommand(instructions: DockerfileInstruction[]): string[] | undefined {
  const cmd = instructions.filter((instruction) => instruction.keyword === 'CMD').at(-1);
  if (cmd === undefined) {
    return undefined;
  }
  if (cmd.argument.startsWith('[')) {
    return JSON.parse(cmd.argument) as string[];
  }

  return cmd.argument.split(/\s+/);
}

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification schema', () => {
    expect(schemaErrors(loadCompose())).toEqual([]);
  });

  it('schema rejects an unknown service key', () => {
    const compose = loadCompose();
    (compose.services.server as Record<string, unknown>).helthcheck = { test: ['CMD', 'true'] };

    expect(schemaErrors(compose).join('\n')).toContain('helthcheck');
  });

  it('schema rejects an unknown depends_on condition', () => {
    const compose = loadCompose();
    compose.services.server!.depends_on = { postgres: { condition: 'service_ready' } };

    expect(schemaErrors(compose)).not.toEqual([]);
  });

  it('schema rejects an unknown top-level key', () => {
    expect(schemaErrors({ ...loadCompose(), service: {} })).not.toEqual([]);
  });

  it('defines postgres, redis and server', () => {
    const { services } = loadCompose();

    expect(Object.keys(services).sort()).toEqual(['postgres', 'redis', 'server']);
    expect(services.postgres!.image).toBe('postgres:16');
    expect(services.redis!.image).toBe('redis:7');
    expect(services.server!.build).toBeDefined();
  });

  it('gives every service a health check', () => {
    expect(servicesWithoutHealthcheck(loadCompose())).toEqual([]);
  });

  it('health check rule catches a missing check', () => {
    const compose = loadCompose();
    delete compose.services.redis!.healthcheck;
    compose.services.postgres!.healthcheck = { test: ['NONE'] };

    expect(servicesWithoutHealthcheck(compose).sort()).toEqual(['postgres', 'redis']);
  });

  it('uses pg_isready and redis-cli ping', () => {
    const { services } = loadCompose();

    expect(JSON.stringify(services.postgres!.healthcheck!.test)).toContain('pg_isready');
    expect(services.redis!.healthcheck!.test).toEqual(['CMD', 'redis-cli', 'ping']);
  });

  it('keeps PostgreSQL data in a declared volume', () => {
    const compose = loadCompose();
    const mounts = compose.services.postgres!.volumes ?? [];
    const dataMount = mounts
      .map((mount) => (typeof mount === 'string' ? mount.split(':') : [mount.source, mount.target]))
      .find(([, target]) => target === '/var/lib/postgresql/data');

    expect(dataMount).toBeDefined();
    expect(Object.keys(compose.volumes ?? {})).toContain(dataMount![0]);
  });

  it('starts server after postgres and redis are healthy', () => {
    const server = loadCompose().services.server!;

    expect(dependenciesNotAwaitedHealthy(server, ['postgres', 'redis'])).toEqual([]);
  });

  it('dependency rule catches service_started and list form', () => {
    const server = loadCompose().services.server!;

    expect(
      dependenciesNotAwaitedHealthy(
        {
          ...server,
          depends_on: {
            postgres: { condition: 'service_started' },
            redis: { condition: 'service_healthy' },
          },
        },
        ['postgres', 'redis'],
      ),
    ).toEqual(['postgres']);
    expect(
      dependenciesNotAwaitedHealthy({ ...server, depends_on: ['postgres', 'redis'] }, [
        'postgres',
        'redis',
      ]),
    ).toEqual(['postgres', 'redis']);
  });

  it('configures the server for port 4000', () => {
    const server = loadCompose().services.server!;
    const environment = environmentOf(server);
    const config = loadConfig(
      Object.fromEntries(
        Object.entries(environment).map(([name, value]) => [name, interpolate(value, {})]),
      ),
    );

    expect(environment.PORT).toBe('4000');
    expect(config.port).toBe(4000);
    expect(containerPorts(server)).toContain(4000);
    expect(new URL(config.databaseUrl ?? '').hostname).toBe('postgres');
    expect(new URL(config.databaseUrl ?? '').port).toBe('5432');
    expect(new URL(config.redisUrl ?? '').hostname).toBe('redis');
  });

  it('checks server readiness with node, not curl', () => {
    const test = loadCompose().services.server!.healthcheck!.test;

    expect(Array.isArray(test)).toBe(true);
    expect((test as string[]).slice(0, 2)).toEqual(['CMD', 'node']);
    expect((test as string[]).join(' ')).toContain('http://127.0.0.1:4000/readyz');
  });
});

describe('Dockerfile', () => {
  const instructions = parseDockerfile(readRepositoryFile('Dockerfile'));

  it('builds from node:20-slim', () => {
    expect(instructions[0]).toEqual({ keyword: 'FROM', argument: 'node:20-slim' });
  });

  it('installs with npm ci and copies sources', () => {
    const runs = instructions
      .filter((instruction) => instruction.keyword === 'RUN')
      .map((run) => run.argument);
    const copied = instructions
      .filter((instruction) => instruction.keyword === 'COPY')
      .flatMap((copy) => copy.argument.split(/\s+/).slice(0, -1));

    expect(runs.some((run) => /\bnpm ci\b/.test(run))).toBe(true);
    for (const path of [
      'package.json',
      'package-lock.json',
      'prisma.config.ts',
      'prisma',
      'src',
      'tsconfig.json',
    ]) {
      expect(copied).toContain(path);
    }
  });

  it('starts the server with npm start', () => {
    const command = dockerfileCommand(instructions);
    const packageJson = JSON.parse(readRepositoryFile('package.json')) as {
      scripts: Record<string, string>;
    };
    const entry = /\bsrc\/main\.ts\b/.exec(packageJson.scripts.start ?? '');

    expect(command).toEqual(['npm', 'start']);
    expect(entry).not.toBeNull();
    expect(existsSync(`${root}src/main.ts`)).toBe(true);
  });

  it('runs npm scripts with bash', () => {
    const settings = instructions
      .filter((instruction) => instruction.keyword === 'ENV')
      .flatMap((env) => env.argument.split(/\s+/));

    expect(settings).toContain('NPM_CONFIG_SCRIPT_SHELL=/bin/bash');
  });

  it('command rule reads the last CMD', () => {
    expect(
      dockerfileCommand(parseDockerfile('FROM x\nCMD ["node", "a.js"]\nCMD npm \\\n  start\n')),
    ).toEqual(['npm', 'start']);
    expect(dockerfileCommand(parseDockerfile('FROM x\n# CMD ["npm", "start"]\n'))).toBeUndefined();
  });

  it('is built by the server service', () => {
    const build = loadCompose().services.server!.build;
    const context = typeof build === 'string' ? build : (build?.context ?? '.');
    const dockerfile =
      typeof build === 'object' ? (build.dockerfile ?? 'Dockerfile') : 'Dockerfile';

    expect(context).toBe('.');
    expect(dockerfile).toBe('Dockerfile');
  });
});

describe('.dockerignore', () => {
  const ignored = readRepositoryFile('.dockerignore')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));

  it('excludes dependencies and generated code', () => {
    for (const path of ['node_modules', 'src/generated', '.git', '.data', '.env']) {
      expect(ignored).toContain(path);
    }
  });

  it('keeps the files the image copies', () => {
    for (const path of [
      'src',
      'prisma',
      'package.json',
      'package-lock.json',
      'prisma.config.ts',
      'tsconfig.json',
    ]) {
      expect(ignored).not.toContain(path);
    }
  });
});
