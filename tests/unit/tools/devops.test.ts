import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devopsTools } from '../../../src/tools/builtin/devops.js';
import { startDnsServer, type DnsPeer } from '../../support/peers.js';
import { publicOnlyNetwork, runTool } from '../../support/tools.js';

function tool(name: string) {
  const found = devopsTools.find((candidate) => candidate.name === name);
  if (found === undefined) {
    throw new Error(`no devops tool named ${name}`);
  }

  return found;
}

describe('dns_lookup', () => {
  const dnsLookup = tool('dns_lookup');
  let dns: DnsPeer;

  beforeAll(async () => {
    dns = await startDnsServer({
      'example.com': [
        { type: 'A', value: '93.184.216.34', ttl: 300 },
        { type: 'A', value: '93.184.216.35', ttl: 300 },
        { type: 'AAAA', value: '2001:db8::10', ttl: 60 },
        { type: 'MX', value: 'mail.example.com', priority: 10 },
        { type: 'MX', value: 'backup.example.com', priority: 20 },
        { type: 'NS', value: 'ns1.example.com' },
        { type: 'TXT', value: ['v=spf1 include:_spf.example.com ', '-all'] },
      ],
      'www.example.com': [{ type: 'CNAME', value: 'example.com' }],
      'xn--bcher-kva.example': [{ type: 'A', value: '192.0.2.7', ttl: 120 }],
    });
  });

  afterAll(async () => {
    await dns.close();
  });

  it('matches the spec example', async () => {
    const result = await runTool(dnsLookup, { domain: 'example.com', type: 'A', resolver: dns.server });

    expect(result).toEqual({
      records: [
        { type: 'A', value: '93.184.216.34', ttl: 300 },
        { type: 'A', value: '93.184.216.35', ttl: 300 },
      ],
    });
  });

  it('defaults type to A', async () => {
    const result = await runTool(dnsLookup, { domain: 'example.com', resolver: dns.server });

    expect(result.records).toHaveLength(2);
    expect(dns.queries.at(-1)).toEqual({ name: 'example.com', type: 'A' });
  });

  it('returns AAAA records with ttl', async () => {
    const result = await runTool(dnsLookup, { domain: 'example.com', type: 'AAAA', resolver: dns.server });

    expect(result).toEqual({ records: [{ type: 'AAAA', value: '2001:db8::10', ttl: 60 }] });
  });

  it('returns MX records with priority', async () => {
    const result = await runTool(dnsLookup, { domain: 'example.com', type: 'MX', resolver: dns.server });

    expect(result).toEqual({
      records: [
        { type: 'MX', value: '10 mail.example.com', ttl: null, priority: 10 },
        { type: 'MX', value: '20 backup.example.com', ttl: null, priority: 20 },
      ],
    });
  });

  it('returns NS records', async () => {
    const result = await runTool(dnsLookup, { domain: 'example.com', type: 'NS', resolver: dns.server });

    expect(result).toEqual({ records: [{ type: 'NS', value: 'ns1.example.com', ttl: null }] });
  });

  it('joins TXT strings', async () => {
    const result = await runTool(dnsLookup, { domain: 'example.com', type: 'TXT', resolver: dns.server });

    expect(result).toEqual({ records: [{ type: 'TXT', value: 'v=spf1 include:_spf.example.com -all', ttl: null }] });
  });

  it('returns CNAME records', async () => {
    const result = await runTool(dnsLookup, { domain: 'www.example.com', type: 'CNAME', resolver: dns.server });

    expect(result).toEqual({ records: [{ type: 'CNAME', value: 'example.com', ttl: null }] });
  });

  it('sends internationalised names as punycode', async () => {
    const result = await runTool(dnsLookup, { domain: 'bücher.example', resolver: dns.server });

    expect(result).toEqual({ records: [{ type: 'A', value: '192.0.2.7', ttl: 120 }] });
    expect(dns.queries.at(-1)).toEqual({ name: 'xn--bcher-kva.example', type: 'A' });
  });

  it('returns no records for NODATA', async () => {
    const result = await runTool(dnsLookup, { domain: 'www.example.com', type: 'MX', resolver: dns.server });

    expect(result).toEqual({ records: [] });
  });

  it('reports NXDOMAIN as no such domain', async () => {
    await expect(runTool(dnsLookup, { domain: 'missing.example.com', resolver: dns.server })).rejects.toThrow(
      /No such domain: missing\.example\.com/,
    );
  });

  it('rejects an invalid domain', async () => {
    await expect(runTool(dnsLookup, { domain: 'bad domain!', resolver: dns.server })).rejects.toThrow(
      'domain "bad domain!" is not a valid domain name',
    );
  });

  it('rejects a label over 63 characters', async () => {
    await expect(runTool(dnsLookup, { domain: `${'a'.repeat(64)}.example`, resolver: dns.server })).rejects.toThrow(
      'is not a valid domain name',
    );
  });

  it('rejects a loopback resolver under the public policy', async () => {
    const before = dns.queries.length;

    await expect(
      runTool(dnsLookup, { domain: 'example.com', resolver: dns.server }, { network: publicOnlyNetwork }),
    ).rejects.toThrow('Destination 127.0.0.1 is in the loopback range');
    expect(dns.queries).toHaveLength(before);
  });

  it('rejects a resolver that is not an address', async () => {
    await expect(runTool(dnsLookup, { domain: 'example.com', resolver: 'dns.example.net' })).rejects.toThrow(
      'Resolver must be an IP address with an optional port',
    );
  });

  it('rejects an unknown record type', async () => {
    await expect(runTool(dnsLookup, { domain: 'example.com', type: 'SOA' })).rejects.toMatchObject({
      details: [{ field: 'args.type', message: 'must be one of "A", "AAAA", "MX", "NS", "TXT", "CNAME"' }],
    });
  });

  it('times out on a silent resolver', async () => {
    const silent = createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      await expect(
        runTool(dnsLookup, { domain: 'example.com', resolver: `127.0.0.1:${port}` }, { limits: { timeoutMs: 300 } }),
      ).rejects.toMatchObject({ code: 'tool_timeout' });
    } finally {
      silent.close();
    }
  });
});

describe('cron_next_runs', () => {
  const cronNextRuns = tool('cron_next_runs');

  it('lists weekday quarter hours', async () => {
    const result = await runTool(cronNextRuns, {
      expression: '*/15 9-17 * * 1-5',
      start: '2024-03-01T17:50:00Z',
      count: 3,
    });

    // 2024-03-01 is a Friday, so after 17:45 the next run is Monday 09:00.
    expect(result).toEqual({
      expression: '*/15 9-17 * * 1-5',
      timezone: 'UTC',
      runs: [
        { utc: '2024-03-04T09:00:00.000Z', local: '2024-03-04T09:00:00Z' },
        { utc: '2024-03-04T09:15:00.000Z', local: '2024-03-04T09:15:00Z' },
        { utc: '2024-03-04T09:30:00.000Z', local: '2024-03-04T09:30:00Z' },
      ],
    });
  });

  it('follows a daylight saving change', async () => {
    const result = await runTool(cronNextRuns, {
      expression: '0 9 * * *',
      start: '2024-03-30T12:00:00Z',
      count: 2,
      timezone: 'Europe/Berlin',
    });

    // Berlin moves from UTC+1 to UTC+2 on 2024-03-31.
    expect(result.runs).toEqual([
      { utc: '2024-03-31T07:00:00.000Z', local: '2024-03-31T09:00:00+02:00' },
      { utc: '2024-04-01T07:00:00.000Z', local: '2024-04-01T09:00:00+02:00' },
    ]);
  });

  it('accepts a seconds field', async () => {
    const result = await runTool(cronNextRuns, { expression: '*/20 * * * * *', start: '2024-01-01T00:00:00Z', count: 3 });

    expect(result.runs).toEqual([
      { utc: '2024-01-01T00:00:20.000Z', local: '2024-01-01T00:00:20Z' },
      { utc: '2024-01-01T00:00:40.000Z', local: '2024-01-01T00:00:40Z' },
      { utc: '2024-01-01T00:01:00.000Z', local: '2024-01-01T00:01:00Z' },
    ]);
  });

  it('defaults to five runs', async () => {
    const result = await runTool(cronNextRuns, { expression: '@hourly' });

    expect(result.runs).toHaveLength(5);
  });

  it('rejects an out-of-range field', async () => {
    await expect(runTool(cronNextRuns, { expression: '61 * * * *' })).rejects.toThrow(
      'expression "61 * * * *" is not a valid cron expression: Constraint error, got value 61 expected range 0-59',
    );
  });

  it('rejects an unknown time zone', async () => {
    await expect(runTool(cronNextRuns, { expression: '0 9 * * *', timezone: 'Mars/Olympus' })).rejects.toThrow(
      'timezone "Mars/Olympus" is not an IANA time zone',
    );
  });

  it('rejects a count over 100', async () => {
    await expect(runTool(cronNextRuns, { expression: '* * * * *', count: 101 })).rejects.toMatchObject({
      details: [{ field: 'args.count', message: 'must be <= 100' }],
    });
  });
});

describe('cron_describe', () => {
  const cronDescribe = tool('cron_describe');

  it('describes a weekday schedule', async () => {
    const result = await runTool(cronDescribe, { expression: '*/15 9-17 * * 1-5' });

    expect(result).toEqual({
      expression: '*/15 9-17 * * 1-5',
      description: 'Every 15 minutes, between 09:00 and 17:59, Monday through Friday',
    });
  });

  it('uses 12-hour time on request', async () => {
    const result = await runTool(cronDescribe, { expression: '0 14 * * *', use_24_hour_time: false });

    expect(result.description).toBe('At 02:00 PM');
  });

  it('rejects too few fields', async () => {
    await expect(runTool(cronDescribe, { expression: '* *' })).rejects.toThrow(
      'expression "* *" is not a valid cron expression: Expression has only 2 parts. At least 5 parts are required.',
    );
  });
});

describe('semver_compare', () => {
  const semverCompare = tool('semver_compare');

  it('orders numerically, not lexically', async () => {
    const result = await runTool(semverCompare, { a: '1.2.3', b: '1.10.0' });

    expect(result).toEqual({
      a: { version: '1.2.3', major: 1, minor: 2, patch: 3, prerelease: [], build: [] },
      b: { version: '1.10.0', major: 1, minor: 10, patch: 0, prerelease: [], build: [] },
      comparison: -1,
      relation: 'less',
      difference: 'minor',
    });
  });

  it('ranks a prerelease below its release', async () => {
    const result = await runTool(semverCompare, { a: '2.0.0', b: '2.0.0-rc.1' });

    expect(result.comparison).toBe(1);
    expect(result.relation).toBe('greater');
    expect(result.difference).toBe('major');
  });

  it('ignores build metadata', async () => {
    const result = await runTool(semverCompare, { a: '1.0.0+build.1', b: '1.0.0+build.2' });

    expect(result.comparison).toBe(0);
    expect(result.relation).toBe('equal');
    expect(result.difference).toBeNull();
  });

  it('accepts a v prefix when loose', async () => {
    const result = await runTool(semverCompare, { a: 'v1.2.3', b: '1.2.3', loose: true });

    expect(result.comparison).toBe(0);
  });

  it('rejects an invalid version', async () => {
    await expect(runTool(semverCompare, { a: 'banana', b: '1.2.0' })).rejects.toThrow(
      'a "banana" is not a valid semantic version',
    );
  });
});

describe('semver_satisfies', () => {
  const semverSatisfies = tool('semver_satisfies');

  it('checks a caret range', async () => {
    const result = await runTool(semverSatisfies, {
      range: '^1.2.0',
      versions: ['1.1.9', '1.2.0', '1.9.3', '2.0.0', '1.5.0-beta.1'],
    });

    expect(result).toEqual({
      range: '>=1.2.0 <2.0.0-0',
      results: [
        { version: '1.1.9', satisfies: false },
        { version: '1.2.0', satisfies: true },
        { version: '1.9.3', satisfies: true },
        { version: '2.0.0', satisfies: false },
        { version: '1.5.0-beta.1', satisfies: false },
      ],
      max_satisfying: '1.9.3',
      min_satisfying: '1.2.0',
    });
  });

  it('admits prereleases on request', async () => {
    const result = await runTool(semverSatisfies, {
      range: '^1.2.0',
      versions: ['1.5.0-beta.1'],
      include_prerelease: true,
    });

    expect(result.results).toEqual([{ version: '1.5.0-beta.1', satisfies: true }]);
  });

  it('returns null when nothing satisfies', async () => {
    const result = await runTool(semverSatisfies, { range: '>=3', versions: ['1.0.0', '2.9.9'] });

    expect(result.max_satisfying).toBeNull();
    expect(result.min_satisfying).toBeNull();
  });

  it('rejects an invalid range', async () => {
    await expect(runTool(semverSatisfies, { range: '>>1', versions: ['1.0.0'] })).rejects.toThrow(
      'range ">>1" is not a valid semver range',
    );
  });

  it('names an invalid version by index', async () => {
    await expect(runTool(semverSatisfies, { range: '^1', versions: ['1.0.0', 'one'] })).rejects.toThrow(
      'versions[1] "one" is not a valid semantic version',
    );
  });
});

describe('http_status_lookup', () => {
  const httpStatusLookup = tool('http_status_lookup');

  it('looks up 404', async () => {
    const result = await runTool(httpStatusLookup, { code: 404 });

    expect(result).toEqual({ code: 404, reason: 'Not Found', class: 'client_error', registered: true });
  });

  it('looks up 503', async () => {
    const result = await runTool(httpStatusLookup, { code: 503 });

    expect(result).toEqual({ code: 503, reason: 'Service Unavailable', class: 'server_error', registered: true });
  });

  it('marks an unregistered code', async () => {
    const result = await runTool(httpStatusLookup, { code: 599 });

    expect(result).toEqual({ code: 599, reason: null, class: 'server_error', registered: false });
  });

  it('rejects a code outside 100-599', async () => {
    await expect(runTool(httpStatusLookup, { code: 600 })).rejects.toMatchObject({
      details: [{ field: 'args.code', message: 'must be <= 599' }],
    });
  });
});

describe('docker_image_reference_parse', () => {
  const parseReference = tool('docker_image_reference_parse');

  it('normalises an official image', async () => {
    const result = await runTool(parseReference, { reference: 'nginx' });

    expect(result).toEqual({
      normalized: 'docker.io/library/nginx',
      registry: 'docker.io',
      repository: 'library/nginx',
      tag: null,
      digest: null,
      effective_tag: 'latest',
    });
  });

  it('parses tag and digest', async () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    const result = await runTool(parseReference, { reference: `ghcr.io/acme/api:2.1@${digest}` });

    expect(result).toEqual({
      normalized: `ghcr.io/acme/api:2.1@${digest}`,
      registry: 'ghcr.io',
      repository: 'acme/api',
      tag: '2.1',
      digest,
      effective_tag: '2.1',
    });
  });

  it('keeps a registry port', async () => {
    const result = await runTool(parseReference, { reference: 'localhost:5000/team/app:dev' });

    expect(result.registry).toBe('localhost:5000');
    expect(result.repository).toBe('team/app');
    expect(result.tag).toBe('dev');
  });

  it('rejects uppercase repositories', async () => {
    await expect(runTool(parseReference, { reference: 'Nginx' })).rejects.toThrow(
      'reference "Nginx" is not a valid image reference: invalid reference format: repository name must be lowercase',
    );
  });
});

describe('env_file_parse', () => {
  const envFileParse = tool('env_file_parse');

  it('parses quoting and comments', async () => {
    const content = [
      '# database',
      'DATABASE_URL=postgres://db:5432/app',
      'export GREETING="two words"',
      "LITERAL='single $HOME'",
      'MULTILINE="line\\nbreak"',
      'REFERENCE=${DATABASE_URL}',
      '',
    ].join('\n');
    const result = await runTool(envFileParse, { content });

    expect(result).toEqual({
      variables: {
        DATABASE_URL: 'postgres://db:5432/app',
        GREETING: 'two words',
        LITERAL: 'single $HOME',
        MULTILINE: 'line\nbreak',
        REFERENCE: '${DATABASE_URL}',
      },
      count: 5,
    });
  });

  it('returns nothing for an empty file', async () => {
    const result = await runTool(envFileParse, { content: '' });

    expect(result).toEqual({ variables: {}, count: 0 });
  });
});
