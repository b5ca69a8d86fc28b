import type { Resolver } from 'node:dns';
import { STATUS_CODES } from 'node:http';
import { domainToASCII } from 'node:url';
import { parseFamiliarName } from '@swimlane/docker-reference';
import { CronExpressionParser } from 'cron-parser';
import cronstrue from 'cronstrue';
import dotenv from 'dotenv';
import { DateTime, IANAZone } from 'luxon';
import semver from 'semver';
import { defineTool, ToolError, type BuiltinTool } from '../definition.js';

const dnsRecordTypes = ['A', 'AAAA', 'MX', 'NS', 'TXT', 'CNAME'] as const;
type DnsRecordType = (typeof dnsRecordTypes)[number];

interface DnsLookupArgs {
  domain: string;
  type: DnsRecordType;
  resolver?: string;
}

interface DnsRecord {
  type: DnsRecordType;
  value: string;
  /** Time to live in seconds, or null where node:dns does not report it (every type but A and AAAA). */
  ttl: number | null;
  priority?: number;
}

/** Milliseconds each DNS query attempt may take. The resolver makes two attempts. */
const dnsAttemptTimeoutMs = 3_000;

function resolveWith<T>(call: (callback: (error: NodeJS.ErrnoException | null, value: T) => void) => void) {
  return new Promise<T>((resolve, reject) => {
    call((error, value) => (error === null ? resolve(value) : reject(error)));
  });
}

async function queryRecords(resolver: Resolver, domain: string, type: DnsRecordType): Promise<DnsRecord[]> {
  switch (type) {
    case 'A': {
      const entries = await resolveWith<{ address: string; ttl: number }[]>((done) =>
        resolver.resolve4(domain, { ttl: true }, done),
      );

      return entries.map((entry) => ({ type, value: entry.address, ttl: entry.ttl }));
    }
    case 'AAAA': {
      const entries = await resolveWith<{ address: string; ttl: number }[]>((done) =>
        resolver.resolve6(domain, { ttl: true }, done),
      );

      return entries.map((entry) => ({ type, value: entry.address, ttl: entry.ttl }));
    }
    case 'MX': {
      const entries = await resolveWith<{ exchange: string; priority: number }[]>((done) =>
        resolver.resolveMx(domain, done),
      );

      return entries.map((entry) => ({
        type,
        value: `${entry.priority} ${entry.exchange}`,
        ttl: null,
        priority: entry.priority,
      }));
    }
    case 'NS': {
      const names = await resolveWith<string[]>((done) => resolver.resolveNs(domain, done));

      return names.map((name) => ({ type, value: name, ttl: null }));
    }
    case 'CNAME': {
      const names = await resolveWith<string[]>((done) => resolver.resolveCname(domain, done));

      return names.map((name) => ({ type, value: name, ttl: null }));
    }
    case 'TXT': {
      // A TXT record is a list of strings of at most 255 bytes each, and readers such as
      // SPF and DKIM join them without a separator.
      const chunks = await resolveWith<string[][]>((done) => resolver.resolveTxt(domain, done));

      return chunks.map((parts) => ({ type, value: parts.join(''), ttl: null }));
    }
  }
}

const labelPattern = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** Converts `domain` to its ASCII (IDNA) form and checks each label's syntax and length. */
function asciiDomain(domain: string): string {
  const ascii = domainToASCII(domain.trim());
  const labels = ascii.replace(/\.$/, '').split('.');
  if (ascii === '' || ascii.length > 253 || !labels.every((label) => labelPattern.test(label))) {
    throw new ToolError(`domain ${JSON.stringify(domain)} is not a valid domain name`);
  }

  return ascii;
}

const dnsLookup = defineTool<DnsLookupArgs>({
  name: 'dns_lookup',
  description: 'Look up DNS records for a domain',
  category: 'devops',
  tier: 'free',
  tags: ['dns', 'network', 'devops'],
  inputSchema: {
    type: 'object',
    properties: {
      domain: { type: 'string', description: 'Domain name to look up', minLength: 1, maxLength: 253 },
      type: { type: 'string', enum: [...dnsRecordTypes], default: 'A', description: 'Record type to return' },
      resolver: {
        type: 'string',
        maxLength: 64,
        description: 'DNS server to ask, as IP[:port] (IPv6 as [IP]:port); the default resolvers when absent',
      },
    },
    required: ['domain'],
    additionalProperties: false,
  },
  async run(args, context) {
    const domain = asciiDomain(args.domain);
    const resolver = context.network.resolver(args.resolver, dnsAttemptTimeoutMs);
    const onAbort = () => resolver.cancel();
    context.signal.addEventListener('abort', onAbort, { once: true });
    const server = args.resolver ?? 'the default resolver';
    try {
      return { records: await queryRecords(resolver, domain, args.type) };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      switch (code) {
        case 'ENOTFOUND':
          throw new ToolError(`No such domain: ${domain} (NXDOMAIN from ${server})`);
        case 'ENODATA':
          return { records: [] };
        case 'ETIMEOUT':
          throw new ToolError(`DNS query for ${domain} to ${server} timed out`);
        case 'ECANCELLED':
          throw error;
        default:
          throw new ToolError(`DNS query for ${domain} ${args.type} to ${server} failed: ${code ?? (error as Error).message}`);
      }
    } finally {
      context.signal.removeEventListener('abort', onAbort);
    }
  },
});

interface CronNextRunsArgs {
  expression: string;
  count: number;
  timezone: string;
  start?: string;
}

function assertTimeZone(timezone: string): void {
  if (!IANAZone.isValidZone(timezone)) {
    throw new ToolError(`timezone ${JSON.stringify(timezone)} is not an IANA time zone such as Europe/Berlin or UTC`);
  }
}

const cronNextRuns = defineTool<CronNextRunsArgs>({
  name: 'cron_next_runs',
  description: 'Return the next times a cron expression fires, in UTC and in the given time zone',
  category: 'devops',
  tier: 'free',
  tags: ['cron', 'schedule', 'devops', 'time'],
  inputSchema: {
    type: 'object',
    properties: {
      expression: {
        type: 'string',
        minLength: 1,
        maxLength: 256,
        description: 'Cron expression with 5 fields, or 6 with leading seconds, or a macro such as @daily',
      },
      count: { type: 'integer', minimum: 1, maximum: 100, default: 5, description: 'Number of run times to return' },
      timezone: { type: 'string', maxLength: 64, default: 'UTC', description: 'IANA time zone the expression is read in' },
      start: {
        type: 'string',
        format: 'date-time',
        description: 'RFC 3339 time to count from, exclusive; the current time when absent',
      },
    },
    required: ['expression'],
    additionalProperties: false,
  },
  run(args) {
    assertTimeZone(args.timezone);
    let runs: Date[];
    try {
      const schedule = CronExpressionParser.parse(args.expression, {
        currentDate: args.start === undefined ? new Date() : new Date(args.start),
        tz: args.timezone,
      });
      runs = schedule.take(args.count).map((run) => run.toDate());
    } catch (error) {
      throw new ToolError(`expression ${JSON.stringify(args.expression)} is not a valid cron expression: ${(error as Error).message}`);
    }

    return {
      expression: args.expression,
      timezone: args.timezone,
      runs: runs.map((run) => ({
        utc: run.toISOString(),
        local: DateTime.fromJSDate(run, { zone: args.timezone }).toISO({ suppressMilliseconds: true }),
      })),
    };
  },
});

interface CronDescribeArgs {
  expression: string;
  use_24_hour_time: boolean;
}

const cronDescribe = defineTool<CronDescribeArgs>({
  name: 'cron_describe',
  description: 'Return an English sentence describing when a cron expression fires',
  category: 'devops',
  tier: 'free',
  tags: ['cron', 'schedule', 'describe'],
  inputSchema: {
    type: 'object',
    properties: {
      expression: { type: 'string', minLength: 1, maxLength: 256, description: 'Cron expression with 5, 6 or 7 fields' },
      use_24_hour_time: { type: 'boolean', default: true, description: 'Write times as 14:00 rather than 02:00 PM' },
    },
    required: ['expression'],
    additionalProperties: false,
  },
  run(args) {
    try {
      return {
        expression: args.expression,
        description: cronstrue.toString(args.expression, { use24HourTimeFormat: args.use_24_hour_time }),
      };
    } catch (error) {
      // cronstrue 3.x throws strings such as "Error: minutes part must be >= 0 and <= 59".
      const reason = String(error instanceof Error ? error.message : error).replace(/^Error: /, '');
      throw new ToolError(`expression ${JSON.stringify(args.expression)} is not a valid cron expression: ${reason}`);
    }
  },
});

function parseVersion(value: string, field: string, loose: boolean): semver.SemVer {
  const parsed = semver.parse(value, { loose });
  if (parsed === null) {
    throw new ToolError(`${field} ${JSON.stringify(value)} is not a valid semantic version such as 1.4.0 or 2.0.0-rc.1`);
  }

  return parsed;
}

function describeVersion(version: semver.SemVer) {
  return {
    version: version.version,
    major: version.major,
    minor: version.minor,
    patch: version.patch,
    prerelease: version.prerelease,
    build: version.build,
  };
}

const relations: Record<number, string> = { [-1]: 'less', 0: 'equal', 1: 'greater' };

interface SemverCompareArgs {
  a: string;
  b: string;
  loose: boolean;
}

const semverCompare = defineTool<SemverCompareArgs>({
  name: 'semver_compare',
  description: 'Compare two semantic versions and return their order and the most significant part that differs',
  category: 'devops',
  tier: 'free',
  tags: ['semver', 'version', 'compare'],
  inputSchema: {
    type: 'object',
    properties: {
      a: { type: 'string', minLength: 1, maxLength: 256, description: 'First version' },
      b: { type: 'string', minLength: 1, maxLength: 256, description: 'Second version' },
      loose: { type: 'boolean', default: false, description: 'Accept forms such as "v1.2.3" or "=1.2.3" that SemVer 2.0.0 does not' },
    },
    required: ['a', 'b'],
    additionalProperties: false,
  },
  run(args) {
    const a = parseVersion(args.a, 'a', args.loose);
    const b = parseVersion(args.b, 'b', args.loose);
    // Build metadata is ignored, as SemVer 2.0.0 section 10 requires.
    const comparison = semver.compare(a, b);

    return {
      a: describeVersion(a),
      b: describeVersion(b),
      comparison,
      relation: relations[comparison],
      difference: semver.diff(a, b),
    };
  },
});

interface SemverSatisfiesArgs {
  range: string;
  versions: string[];
  include_prerelease: boolean;
  loose: boolean;
}

const semverSatisfies = defineTool<SemverSatisfiesArgs>({
  name: 'semver_satisfies',
  description: 'Check which versions satisfy an npm-style semver range and return the highest and lowest that do',
  category: 'devops',
  tier: 'free',
  tags: ['semver', 'version', 'range', 'npm'],
  inputSchema: {
    type: 'object',
    properties: {
      range: { type: 'string', minLength: 1, maxLength: 1024, description: 'Range such as ^1.2.0, ~2.3 or >=1.0.0 <2.0.0 || 3.x' },
      versions: {
        type: 'array',
        minItems: 1,
        maxItems: 500,
        items: { type: 'string', maxLength: 256 },
        description: 'Versions to test against the range',
      },
      include_prerelease: {
        type: 'boolean',
        default: false,
        description: 'Let prerelease versions satisfy ranges whose comparators name no prerelease',
      },
      loose: { type: 'boolean', default: false, description: 'Accept versions and ranges in the loose forms npm tolerates' },
    },
    required: ['range', 'versions'],
    additionalProperties: false,
  },
  run(args) {
    const options = { loose: args.loose, includePrerelease: args.include_prerelease };
    const range = semver.validRange(args.range, options);
    if (range === null) {
      throw new ToolError(`range ${JSON.stringify(args.range)} is not a valid semver range`);
    }
    const versions = args.versions.map((version, index) => parseVersion(version, `versions[${index}]`, args.loose));

    return {
      range,
      results: versions.map((version, index) => ({
        version: args.versions[index],
        satisfies: semver.satisfies(version, range, options),
      })),
      max_satisfying: semver.maxSatisfying(versions, range, options)?.version ?? null,
      min_satisfying: semver.minSatisfying(versions, range, options)?.version ?? null,
    };
  },
});

interface HttpStatusArgs {
  code: number;
}

/** Class names from RFC 9110, section 15. */
const statusClasses: Record<number, string> = {
  1: 'informational',
  2: 'successful',
  3: 'redirection',
  4: 'client_error',
  5: 'server_error',
};

const httpStatusLookup = defineTool<HttpStatusArgs>({
  name: 'http_status_lookup',
  description: 'Return the reason phrase and class of an HTTP status code',
  category: 'devops',
  tier: 'free',
  tags: ['http', 'status', 'web'],
  inputSchema: {
    type: 'object',
    properties: {
      code: { type: 'integer', minimum: 100, maximum: 599, description: 'HTTP status code' },
    },
    required: ['code'],
    additionalProperties: false,
  },
  run(args) {
    // The reason phrases are Node's `http.STATUS_CODES`, which follows the IANA HTTP
    // status code registry.
    const reason = STATUS_CODES[args.code] ?? null;

    return {
      code: args.code,
      reason,
      class: statusClasses[Math.floor(args.code / 100)],
      registered: reason !== null,
    };
  },
});

interface ImageReferenceArgs {
  reference: string;
}

const dockerImageReferenceParse = defineTool<ImageReferenceArgs>({
  name: 'docker_image_reference_parse',
  description:
    'Parse a container image reference such as nginx:1.25 into registry, repository, tag and digest, normalised as Docker does',
  category: 'devops',
  tier: 'free',
  tags: ['docker', 'container', 'image', 'oci'],
  inputSchema: {
    type: 'object',
    properties: {
      reference: { type: 'string', minLength: 1, maxLength: 512, description: 'Image reference, as given to docker pull' },
    },
    required: ['reference'],
    additionalProperties: false,
  },
  run(args) {
    let parsed;
    try {
      parsed = parseFamiliarName(args.reference.trim());
    } catch (error) {
      throw new ToolError(`reference ${JSON.stringify(args.reference)} is not a valid image reference: ${(error as Error).message}`);
    }
    const tag = parsed.tag ?? null;
    const digest = parsed.digest ?? null;

    return {
      normalized: parsed.toString(),
      registry: parsed.domain ?? null,
      repository: parsed.repository ?? null,
      tag,
      digest,
      // `docker pull` adds the tag "latest" to a reference that has neither tag nor digest.
      effective_tag: tag ?? (digest === null ? 'latest' : null),
    };
  },
});

interface EnvFileArgs {
  content: string;
}

const envFileParse = defineTool<EnvFileArgs>({
  name: 'env_file_parse',
  description: 'Parse the text of a .env file into its variables, as dotenv reads it',
  category: 'devops',
  tier: 'free',
  tags: ['dotenv', 'env', 'config', 'parse'],
  inputSchema: {
    type: 'object',
    properties: {
      content: { type: 'string', maxLength: 1_000_000, description: 'Text of the .env file' },
    },
    required: ['content'],
    additionalProperties: false,
  },
  run(args) {
    // NOTE: dotenv does not expand ${VAR} references, so they stay in the values as written.
    const variables = dotenv.parse(args.content);

    return { variables, count: Object.keys(variables).length };
  },
});

export const devopsTools: BuiltinTool[] = [
  dnsLookup,
  cronNextRuns,
  cronDescribe,
  semverCompare,
  semverSatisfies,
  httpStatusLookup,
  dockerImageReferenceParse,
  envFileParse,
];
