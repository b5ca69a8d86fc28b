import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { networkingTools } from '../../../src/tools/builtin/networking.js';
import { startHttpServer, startTlsServer, type HttpPeer, type TlsPeer } from '../../support/peers.js';
import { publicOnlyNetwork, runTool } from '../../support/tools.js';

function tool(name: string) {
  const found = networkingTools.find((candidate) => candidate.name === name);
  if (found === undefined) {
    throw new Error(`no networking tool named ${name}`);
  }

  return found;
}

describe('http_request', () => {
  const httpRequest = tool('http_request');
  let peer: HttpPeer;

  beforeAll(async () => {
    peer = await startHttpServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://peer');
      const hops = /^\/redirect\/(\d+)$/.exec(url.pathname);
      if (hops !== null) {
        const left = Number(hops[1]);
        response.writeHead(302, { location: left > 1 ? `/redirect/${left - 1}` : '/hello' }).end();
      } else if (url.pathname === '/hello') {
        response.writeHead(200, { 'content-type': 'text/plain', 'x-peer': 'yes' }).end('hello');
      } else if (url.pathname === '/echo') {
        let body = '';
        request.setEncoding('utf8');
        request.on('data', (chunk: string) => (body += chunk));
        request.on('end', () => {
          response
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ method: request.method, token: request.headers['x-token'] ?? null, body }));
        });
      } else if (url.pathname === '/see-other') {
        response.writeHead(303, { location: '/echo' }).end();
      } else if (url.pathname === '/to-metadata') {
        response.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      } else if (url.pathname === '/to-private') {
        response.writeHead(307, { location: 'http://10.0.0.1/admin' }).end();
      } else if (url.pathname === '/large') {
        response.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(100_000));
      } else {
        response.writeHead(404).end('not found');
      }
    });
  });

  afterAll(async () => {
    await peer.close();
  });

  it('fetches a page', async () => {
    const result = await runTool(httpRequest, { url: `${peer.url}/hello` });

    expect(result).toMatchObject({
      url: `${peer.url}/hello`,
      status: 200,
      body: 'hello',
      truncated: false,
      redirects: [],
    });
    expect(result.headers).toMatchObject({ 'content-type': 'text/plain', 'x-peer': 'yes' });
  });

  it('sends method, headers and body', async () => {
    const result = await runTool(httpRequest, {
      method: 'POST',
      url: `${peer.url}/echo`,
      headers: { 'x-token': 'abc' },
      body: 'payload',
    });

    expect(result.status).toBe(200);
    expect(JSON.parse(result.body as string)).toEqual({ method: 'POST', token: 'abc', body: 'payload' });
  });

  it('follows a redirect chain', async () => {
    const result = await runTool(httpRequest, { url: `${peer.url}/redirect/3` });

    expect(result.status).toBe(200);
    expect(result.body).toBe('hello');
    expect(result.url).toBe(`${peer.url}/hello`);
    expect(result.redirects).toEqual([`${peer.url}/redirect/2`, `${peer.url}/redirect/1`, `${peer.url}/hello`]);
  });

  it('turns POST into GET on 303', async () => {
    const result = await runTool(httpRequest, { method: 'POST', url: `${peer.url}/see-other`, body: 'dropped' });

    expect(JSON.parse(result.body as string)).toEqual({ method: 'GET', token: null, body: '' });
    expect(result.redirects).toEqual([`${peer.url}/echo`]);
  });

  it('stops at max_redirects', async () => {
    await expect(runTool(httpRequest, { url: `${peer.url}/redirect/3`, max_redirects: 2 })).rejects.toThrow(
      `Stopped after 2 redirects at ${peer.url}/redirect/1`,
    );
  });

  it('truncates a long body', async () => {
    const result = await runTool(httpRequest, { url: `${peer.url}/large`, max_body_bytes: 1000 });

    expect(result.status).toBe(200);
    expect(result.body).toBe('x'.repeat(1000));
    expect(result.truncated).toBe(true);
  });

  it('returns error statuses as results', async () => {
    const result = await runTool(httpRequest, { url: `${peer.url}/missing` });

    expect(result.status).toBe(404);
    expect(result.body).toBe('not found');
  });

  it('rejects a redirect to the metadata address', async () => {
    await expect(runTool(httpRequest, { url: `${peer.url}/to-metadata` })).rejects.toThrow(
      'Destination 169.254.169.254 is in the link-local range',
    );
  });

  it('rejects a redirect to a private address', async () => {
    await expect(runTool(httpRequest, { url: `${peer.url}/to-private` })).rejects.toThrow(
      'Destination 10.0.0.1 is in the private range',
    );
  });

  it('rejects loopback under the public policy', async () => {
    const before = peer.requests.length;

    await expect(runTool(httpRequest, { url: `${peer.url}/hello` }, { network: publicOnlyNetwork })).rejects.toThrow(
      'Destination 127.0.0.1 is in the loopback range',
    );
    expect(peer.requests).toHaveLength(before);
  });

  it('rejects the metadata address without connecting', async () => {
    // Had the tool tried to connect, the run would end in a connection error or in
    // tool_timeout, so the guard's own message shows that the check came first.
    await expect(
      runTool(httpRequest, { url: 'http://169.254.169.254/latest/meta-data/' }, { limits: { timeoutMs: 300 } }),
    ).rejects.toMatchObject({
      code: 'tool_error',
      message: expect.stringContaining('Destination 169.254.169.254 is in the link-local range'),
    });
  });

  it('rejects other schemes', async () => {
    await expect(runTool(httpRequest, { url: 'file:///etc/passwd' })).rejects.toThrow(
      'Only http and https URLs may be fetched, got file:',
    );
  });

  it('rejects an invalid URL', async () => {
    await expect(runTool(httpRequest, { url: 'not a url' })).rejects.toThrow('Invalid URL "not a url"');
  });

  it('rejects max_body_bytes over the cap', async () => {
    await expect(runTool(httpRequest, { url: `${peer.url}/hello`, max_body_bytes: 200_000 })).rejects.toMatchObject({
      details: [{ field: 'args.max_body_bytes', message: 'must be <= 131072' }],
    });
  });
});

describe('tls_certificate_info', () => {
  const tlsCertificateInfo = tool('tls_certificate_info');
  let peer: TlsPeer;

  beforeAll(async () => {
    peer = await startTlsServer();
  });

  afterAll(async () => {
    await peer.close();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('reads the peer certificate', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2027-01-01T00:00:00Z'));
    const result = await runTool(tlsCertificateInfo, { host: '127.0.0.1', port: peer.port });

    expect(result).toEqual({
      host: '127.0.0.1',
      port: peer.port,
      subject: { CN: 'agentgraph test peer', O: 'agentgraph tests' },
      issuer: { CN: 'agentgraph test peer', O: 'agentgraph tests' },
      serial_number: '7945B651A4EED2D202184475BBADACD26E772EE0',
      valid_from: '2026-12-04T09:31:35.000Z',
      valid_to: '2126-11-10T09:31:35.000Z',
      // 36472 days and 9.5 hours from 2027-01-01T00:00:00Z to the expiry.
      days_remaining: 36472,
      expired: false,
      subject_alt_names: ['DNS:localhost', 'IP Address:127.0.0.1'],
      fingerprint256:
        '1D:56:0C:6A:C6:D7:A2:5C:EF:A0:5E:9A:97:41:8A:1A:79:39:BF:5C:7F:75:43:BA:43:FC:C6:5F:0F:CA:49:94',
      trusted: false,
      trust_error: 'DEPTH_ZERO_SELF_SIGNED_CERT',
      protocol: 'TLSv1.3',
      cipher: 'TLS_AES_256_GCM_SHA384',
    });
  });

  it('reports expiry after valid_to', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2126-11-12T09:31:35Z'));
    const result = await runTool(tlsCertificateInfo, { host: '127.0.0.1', port: peer.port });

    expect(result.days_remaining).toBe(-2);
    expect(result.expired).toBe(true);
  });

  it('resolves a host name', async () => {
    const result = await runTool(tlsCertificateInfo, { host: 'localhost', port: peer.port });

    expect(result.host).toBe('localhost');
    expect(result.subject).toEqual({ CN: 'agentgraph test peer', O: 'agentgraph tests' });
  });

  it('rejects loopback under the public policy', async () => {
    const before = peer.handshakes();

    await expect(
      runTool(tlsCertificateInfo, { host: '127.0.0.1', port: peer.port }, { network: publicOnlyNetwork }),
    ).rejects.toThrow('Destination 127.0.0.1 is in the loopback range');
    await expect(
      runTool(tlsCertificateInfo, { host: 'localhost', port: peer.port }, { network: publicOnlyNetwork }),
    ).rejects.toThrow('is in the loopback range');
    expect(peer.handshakes()).toBe(before);
  });

  it('rejects the metadata address', async () => {
    await expect(runTool(tlsCertificateInfo, { host: '169.254.169.254' })).rejects.toThrow(
      'Destination 169.254.169.254 is in the link-local range',
    );
  });

  it('reports a refused connection', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    await expect(runTool(tlsCertificateInfo, { host: '127.0.0.1', port })).rejects.toThrow(
      `TLS connection to 127.0.0.1:${port} failed: ECONNREFUSED`,
    );
  });
});

describe('url_parse', () => {
  const urlParse = tool('url_parse');

  it('splits every component', async () => {
    const result = await runTool(urlParse, {
      url: 'https://user:p%40ss@Example.COM:8443/a/b%20c/?x=1&x=2&empty=#section-2',
    });

    expect(result).toEqual({
      href: 'https://user:p%40ss@example.com:8443/a/b%20c/?x=1&x=2&empty=#section-2',
      protocol: 'https',
      username: 'user',
      password: 'p@ss',
      hostname: 'example.com',
      host_type: 'domain',
      port: 8443,
      effective_port: 8443,
      origin: 'https://example.com:8443',
      pathname: '/a/b%20c/',
      path_segments: ['a', 'b c'],
      search: '?x=1&x=2&empty=',
      query: { x: ['1', '2'], empty: [''] },
      hash: 'section-2',
    });
  });

  it('resolves against a base', async () => {
    const result = await runTool(urlParse, { url: '../img/logo.png?v=3', base: 'http://[2001:db8::1]/docs/guide/' });

    expect(result).toMatchObject({
      href: 'http://[2001:db8::1]/docs/img/logo.png?v=3',
      hostname: '[2001:db8::1]',
      host_type: 'ipv6',
      port: null,
      effective_port: 80,
      query: { v: ['3'] },
      hash: null,
    });
  });

  it('converts an IDN host to punycode', async () => {
    const result = await runTool(urlParse, { url: 'http://bücher.example/' });

    expect(result.hostname).toBe('xn--bcher-kva.example');
  });

  it('classifies an IPv4 host', async () => {
    const result = await runTool(urlParse, { url: 'http://192.0.2.10:8080/' });

    expect(result.host_type).toBe('ipv4');
    expect(result.port).toBe(8080);
  });

  it('rejects a relative URL without base', async () => {
    await expect(runTool(urlParse, { url: '/just/a/path' })).rejects.toThrow(
      'url "/just/a/path" is not a valid URL; a relative URL needs a base',
    );
  });
});

describe('cidr_calculator', () => {
  const cidrCalculator = tool('cidr_calculator');

  it('calculates an IPv4 /24', async () => {
    const result = await runTool(cidrCalculator, { cidr: '192.168.10.77/24', contains: '192.168.10.200' });

    expect(result).toEqual({
      version: 4,
      cidr: '192.168.10.0/24',
      prefix_length: 24,
      network_address: '192.168.10.0',
      broadcast_address: '192.168.10.255',
      last_address: '192.168.10.255',
      netmask: '255.255.255.0',
      hostmask: '0.0.0.255',
      first_host: '192.168.10.1',
      last_host: '192.168.10.254',
      total_addresses: '256',
      usable_hosts: '254',
      contains: true,
    });
  });

  it('counts both addresses of a /31', async () => {
    const result = await runTool(cidrCalculator, { cidr: '10.0.0.4/31' });

    expect(result).toMatchObject({ first_host: '10.0.0.4', last_host: '10.0.0.5', usable_hosts: '2' });
  });

  it('handles a /32', async () => {
    const result = await runTool(cidrCalculator, { cidr: '203.0.113.9/32', contains: '203.0.113.10' });

    expect(result).toMatchObject({ network_address: '203.0.113.9', usable_hosts: '1', contains: false });
  });

  it('calculates an IPv6 /48', async () => {
    const result = await runTool(cidrCalculator, { cidr: '2001:db8:abcd:12::1/48', contains: '2001:db8:abcd:ffff::1' });

    expect(result).toEqual({
      version: 6,
      cidr: '2001:db8:abcd::/48',
      prefix_length: 48,
      network_address: '2001:db8:abcd::',
      broadcast_address: null,
      last_address: '2001:db8:abcd:ffff:ffff:ffff:ffff:ffff',
      netmask: 'ffff:ffff:ffff::',
      hostmask: '::ffff:ffff:ffff:ffff:ffff',
      first_host: '2001:db8:abcd::',
      last_host: '2001:db8:abcd:ffff:ffff:ffff:ffff:ffff',
      total_addresses: '1208925819614629174706176',
      usable_hosts: '1208925819614629174706176',
      contains: true,
    });
  });

  it('rejects a prefix over 32 for IPv4', async () => {
    await expect(runTool(cidrCalculator, { cidr: '10.0.0.0/33' })).rejects.toThrow(
      'cidr prefix length must be from 0 to 32 for ipv4, got 33',
    );
  });

  it('rejects a missing prefix', async () => {
    await expect(runTool(cidrCalculator, { cidr: '10.0.0.0' })).rejects.toThrow(
      'cidr "10.0.0.0" must be an address, a slash and a prefix length',
    );
  });

  it('rejects a short IPv4 form', async () => {
    await expect(runTool(cidrCalculator, { cidr: '10.1/16' })).rejects.toThrow(
      'cidr address "10.1" is not an IPv4 address in dotted-quad form or an IPv6 address',
    );
  });
});

describe('ip_address_info', () => {
  const ipAddressInfo = tool('ip_address_info');

  it('describes a public IPv4 address', async () => {
    const result = await runTool(ipAddressInfo, { address: '8.8.4.4' });

    expect(result).toEqual({
      version: 4,
      canonical: '8.8.4.4',
      expanded: '8.8.4.4',
      integer: '134743044',
      range: 'unicast',
      is_public: true,
      ipv4_mapped: null,
      reverse_dns_name: '4.4.8.8.in-addr.arpa',
    });
  });

  it('describes an IPv6 documentation address', async () => {
    const result = await runTool(ipAddressInfo, { address: '2001:DB8::567:89ab' });

    expect(result).toEqual({
      version: 6,
      canonical: '2001:db8::567:89ab',
      expanded: '2001:0db8:0000:0000:0000:0000:0567:89ab',
      integer: '42540766411282592856903984951744498091',
      range: 'reserved',
      is_public: false,
      ipv4_mapped: null,
      reverse_dns_name: 'b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa',
    });
  });

  it('classifies special ranges', async () => {
    const ranges: Record<string, string> = {
      '10.1.2.3': 'private',
      '127.0.0.1': 'loopback',
      '169.254.169.254': 'linkLocal',
      '100.64.0.1': 'carrierGradeNat',
      '224.0.0.251': 'multicast',
      'fe80::1': 'linkLocal',
      'fd00::1': 'uniqueLocal',
    };
    for (const [address, range] of Object.entries(ranges)) {
      const result = await runTool(ipAddressInfo, { address });

      expect(result.range, address).toBe(range);
      expect(result.is_public, address).toBe(false);
    }
  });

  it('unwraps an IPv4-mapped address', async () => {
    const result = await runTool(ipAddressInfo, { address: '::ffff:192.168.1.1' });

    expect(result).toMatchObject({ version: 6, ipv4_mapped: '192.168.1.1', range: 'private', is_public: false });
  });

  it('rejects an invalid address', async () => {
    await expect(runTool(ipAddressInfo, { address: '300.1.1.1' })).rejects.toThrow(
      'address "300.1.1.1" is not an IPv4 address in dotted-quad form or an IPv6 address',
    );
  });
});
