import { lookup } from 'node:dns/promises';
import { connect, type PeerCertificate, type TLSSocket } from 'node:tls';
import ipaddr from 'ipaddr.js';
import { defineTool, ToolError, type BuiltinTool, type ToolContext } from '../definition.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

const httpMethods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

interface HttpRequestArgs {
  method: (typeof httpMethods)[number];
  url: string;
  headers?: Record<string, string>;
  body?: string;
  max_redirects: number;
  max_body_bytes: number;
}

const httpRequest = defineTool<HttpRequestArgs>({
  name: 'http_request',
  description:
    'Send an HTTP or HTTPS request to a public address and return the status, headers, body and the redirects followed',
  category: 'networking',
  tier: 'starter',
  tags: ['http', 'request', 'api', 'network'],
  inputSchema: {
    type: 'object',
    properties: {
      method: { type: 'string', enum: [...httpMethods], default: 'GET', description: 'HTTP method' },
      url: { type: 'string', minLength: 1, maxLength: 2048, description: 'Absolute http or https URL' },
      headers: {
        type: 'object',
        description: 'Request headers by name',
        additionalProperties: { type: 'string', maxLength: 8192 },
        maxProperties: 50,
      },
      body: { type: 'string', maxLength: 1_048_576, description: 'Request body; ignored for GET and HEAD' },
      max_redirects: {
        type: 'integer',
        minimum: 0,
        maximum: 10,
        default: 5,
        description: 'Redirects to follow before failing; every target is checked like the first URL',
      },
      max_body_bytes: {
        type: 'integer',
        minimum: 1,
        maximum: 131_072,
        default: 65_536,
        description: 'Bytes of response body to return; a longer body is cut and marked truncated',
      },
    },
    required: ['url'],
    additionalProperties: false,
  },
  async run(args, context) {
    const response = await context.network.fetch(args.url, {
      method: args.method,
      headers: args.headers,
      body: args.body,
      signal: context.signal,
      maxRedirects: args.max_redirects,
      maxBytes: args.max_body_bytes,
    });

    // NOTE: a cut at max_body_bytes can split a multi-byte UTF-8 character, which then
    // decodes as U+FFFD at the end of `body`.
    return {
      url: response.url,
      status: response.status,
      headers: response.headers,
      body: response.body,
      truncated: response.truncated,
      redirects: response.redirects,
    };
  },
});

interface TlsCertificateArgs {
  host: string;
  port: number;
  servername?: string;
}

/**
 * Resolves `host` and returns the addresses the network policy allows, raising the
 * policy's `ToolError` when any address is not allowed. Every address is checked, as the
 * HTTP client does, so a name cannot pair a public address with a private one.
 */
async function allowedAddresses(host: string, context: ToolContext): Promise<string[]> {
  const literal = host.replace(/^\[|\]$/g, '');
  if (ipaddr.isValid(literal)) {
    context.network.assertAllowedAddress(literal);

    return [literal];
  }
  let entries: { address: string }[];
  try {
    entries = await lookup(host, { all: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ToolError(`Could not resolve host ${JSON.stringify(host)}: ${code ?? (error as Error).message}`);
  }
  for (const entry of entries) {
    context.network.assertAllowedAddress(entry.address);
  }

  return entries.map((entry) => entry.address);
}

interface Handshake {
  certificate: PeerCertificate;
  authorized: boolean;
  authorizationError: string | null;
  protocol: string | null;
  cipher: string;
}

function handshake(address: string, port: number, servername: string | undefined, signal: AbortSignal) {
  return new Promise<Handshake>((resolve, reject) => {
    // Verification failures are reported in the result rather than raised, so that an
    // expired or self-signed certificate can still be inspected.
    const socket: TLSSocket = connect({ host: address, port, servername, rejectUnauthorized: false });
    const onAbort = () => socket.destroy(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('secureConnect', () => {
      signal.removeEventListener('abort', onAbort);
      const authorizationError = socket.authorizationError as Error | string | null | undefined;
      resolve({
        certificate: socket.getPeerCertificate(false),
        authorized: socket.authorized,
        authorizationError:
          authorizationError === undefined || authorizationError === null ? null : String(authorizationError),
        protocol: socket.getProtocol(),
        cipher: socket.getCipher().name,
      });
      socket.destroy();
    });
    socket.once('error', (error) => {
      signal.removeEventListener('abort', onAbort);
      reject(error);
    });
  });
}

/** Splits Node's `subjectaltname` ("DNS:a.example, IP Address:192.0.2.1") into entries. */
function subjectAltNames(value: string | undefined): string[] {
  if (value === undefined || value === '') {
    return [];
  }

  return value.split(/, (?=[A-Za-z][A-Za-z ]*:)/);
}

function distinguishedName(name: PeerCertificate['subject'] | undefined): Record<string, string | string[]> {
  return { ...(name ?? {}) } as Record<string, string | string[]>;
}

const millisecondsPerDay = 86_400_000;

const tlsCertificateInfo = defineTool<TlsCertificateArgs>({
  name: 'tls_certificate_info',
  description:
    "Connect to a TLS server and return its certificate's subject, issuer, validity dates, days remaining, SANs, fingerprint and whether it is trusted",
  category: 'networking',
  tier: 'pro',
  tags: ['tls', 'ssl', 'certificate', 'security'],
  inputSchema: {
    type: 'object',
    properties: {
      host: { type: 'string', minLength: 1, maxLength: 253, description: 'Host name or IP address of the server' },
      port: { type: 'integer', minimum: 1, maximum: 65_535, default: 443, description: 'TCP port' },
      servername: {
        type: 'string',
        minLength: 1,
        maxLength: 253,
        description: 'Server name to send (SNI) and to check the certificate against; defaults to host unless host is an IP address',
      },
    },
    required: ['host'],
    additionalProperties: false,
  },
  async run(args, context) {
    const addresses = await allowedAddresses(args.host, context);
    const hostIsAddress = ipaddr.isValid(args.host.replace(/^\[|\]$/g, ''));
    const servername = args.servername ?? (hostIsAddress ? undefined : args.host);

    // Connecting to the checked address, never to the name, keeps a second resolution
    // from swapping in an address the policy did not see.
    let result: Handshake | undefined;
    let lastError: Error | undefined;
    for (const address of addresses) {
      try {
        result = await handshake(address, args.port, servername, context.signal);
        break;
      } catch (error) {
        if (context.signal.aborted) {
          throw error;
        }
        lastError = error as Error;
      }
    }
    if (result === undefined) {
      const reason = (lastError as NodeJS.ErrnoException | undefined)?.code ?? lastError?.message ?? 'no address';
      throw new ToolError(`TLS connection to ${args.host}:${args.port} failed: ${reason}`);
    }

    const { certificate } = result;
    if (certificate.valid_to === undefined) {
      throw new ToolError(`TLS server at ${args.host}:${args.port} sent no certificate`);
    }
    const validFrom = new Date(certificate.valid_from);
    const validTo = new Date(certificate.valid_to);

    return {
      host: args.host,
      port: args.port,
      subject: distinguishedName(certificate.subject),
      issuer: distinguishedName(certificate.issuer),
      serial_number: certificate.serialNumber,
      valid_from: validFrom.toISOString(),
      valid_to: validTo.toISOString(),
      days_remaining: Math.floor((validTo.getTime() - Date.now()) / millisecondsPerDay),
      expired: validTo.getTime() < Date.now(),
      subject_alt_names: subjectAltNames(certificate.subjectaltname),
      fingerprint256: certificate.fingerprint256,
      trusted: result.authorized,
      trust_error: result.authorizationError,
      protocol: result.protocol,
      cipher: result.cipher,
    };
  },
});

interface UrlParseArgs {
  url: string;
  base?: string;
}

const defaultPorts: Record<string, number> = { 'http:': 80, 'https:': 443, 'ws:': 80, 'wss:': 443, 'ftp:': 21 };

function hostType(hostname: string): 'ipv4' | 'ipv6' | 'domain' | 'none' {
  if (hostname === '') {
    return 'none';
  }
  if (hostname.startsWith('[')) {
    return 'ipv6';
  }

  return ipaddr.IPv4.isValidFourPartDecimal(hostname) ? 'ipv4' : 'domain';
}

/** Percent-decodes `value`, or returns it unchanged when it contains an invalid escape such as "%zz". */
function decodeComponent(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

const urlParse = defineTool<UrlParseArgs>({
  name: 'url_parse',
  description: 'Parse a URL by the WHATWG URL Standard and return its components and query parameters',
  category: 'networking',
  tier: 'free',
  tags: ['url', 'parse', 'web', 'query'],
  inputSchema: {
    type: 'object',
    properties: {
      url: { type: 'string', minLength: 1, maxLength: 8192, description: 'Absolute URL, or a relative one when base is given' },
      base: { type: 'string', minLength: 1, maxLength: 8192, description: 'Base URL that a relative url resolves against' },
    },
    required: ['url'],
    additionalProperties: false,
  },
  run(args) {
    let url: URL;
    try {
      url = args.base === undefined ? new URL(args.url) : new URL(args.url, args.base);
    } catch {
      const suffix = args.base === undefined ? '; a relative URL needs a base' : ` against base ${JSON.stringify(args.base)}`;
      throw new ToolError(`url ${JSON.stringify(args.url)} is not a valid URL${suffix}`);
    }
    const query: Record<string, string[]> = {};
    for (const [key, value] of url.searchParams) {
      (query[key] ??= []).push(value);
    }

    return {
      href: url.href,
      protocol: url.protocol.replace(/:$/, ''),
      username: url.username === '' ? null : decodeComponent(url.username),
      password: url.password === '' ? null : decodeComponent(url.password),
      hostname: url.hostname,
      host_type: hostType(url.hostname),
      port: url.port === '' ? null : Number(url.port),
      effective_port: url.port === '' ? (defaultPorts[url.protocol] ?? null) : Number(url.port),
      origin: url.origin === 'null' ? null : url.origin,
      pathname: url.pathname,
      path_segments: url.pathname.split('/').filter((segment) => segment !== '').map(decodeComponent),
      search: url.search,
      query,
      hash: url.hash === '' ? null : url.hash.slice(1),
    };
  },
});

/**
 * Parses an IP address strictly: IPv4 only in dotted-quad form, because ipaddr.js also
 * accepts historic forms such as "1.2.3" (read as 1.2.0.3) that most readers would not.
 */
function parseAddress(value: string, field: string): Address {
  if (ipaddr.IPv4.isValidFourPartDecimal(value)) {
    return ipaddr.IPv4.parse(value);
  }
  if (ipaddr.IPv6.isValid(value)) {
    return ipaddr.IPv6.parse(value);
  }
  throw new ToolError(`${field} ${JSON.stringify(value)} is not an IPv4 address in dotted-quad form or an IPv6 address`);
}

function addressToBigInt(address: Address): bigint {
  return address.toByteArray().reduce((total, byte) => (total << 8n) | BigInt(byte), 0n);
}

function bigIntToAddress(value: bigint, kind: 'ipv4' | 'ipv6'): Address {
  const length = kind === 'ipv4' ? 4 : 16;
  const bytes: number[] = [];
  let rest = value;
  for (let index = 0; index < length; index += 1) {
    bytes.unshift(Number(rest & 0xffn));
    rest >>= 8n;
  }

  return ipaddr.fromByteArray(bytes);
}

interface CidrArgs {
  cidr: string;
  contains?: string;
}

const cidrCalculator = defineTool<CidrArgs>({
  name: 'cidr_calculator',
  description:
    'Calculate the network address, mask, broadcast address, usable host range and address count of an IPv4 or IPv6 CIDR block',
  category: 'networking',
  tier: 'free',
  tags: ['cidr', 'subnet', 'ip', 'network'],
  inputSchema: {
    type: 'object',
    properties: {
      cidr: { type: 'string', minLength: 3, maxLength: 64, description: 'CIDR block such as 192.168.10.0/24 or 2001:db8::/48' },
      contains: { type: 'string', minLength: 2, maxLength: 45, description: 'IP address to test for membership in the block' },
    },
    required: ['cidr'],
    additionalProperties: false,
  },
  run(args) {
    const [addressText, prefixText, ...rest] = args.cidr.trim().split('/');
    if (prefixText === undefined || rest.length > 0 || !/^\d{1,3}$/.test(prefixText)) {
      throw new ToolError(`cidr ${JSON.stringify(args.cidr)} must be an address, a slash and a prefix length`);
    }
    const address = parseAddress(addressText ?? '', 'cidr address');
    const prefix = Number(prefixText);
    const bits = address.kind() === 'ipv4' ? 32 : 128;
    if (prefix > bits) {
      throw new ToolError(`cidr prefix length must be from 0 to ${bits} for ${address.kind()}, got ${prefix}`);
    }

    const hostBits = BigInt(bits - prefix);
    const total = 1n << hostBits;
    const network = (addressToBigInt(address) >> hostBits) << hostBits;
    const last = network + total - 1n;
    const kind = address.kind();
    const mask = kind === 'ipv4' ? ipaddr.IPv4.subnetMaskFromPrefixLength(prefix) : ipaddr.IPv6.subnetMaskFromPrefixLength(prefix);
    const hostmask = bigIntToAddress(addressToBigInt(mask) ^ ((1n << BigInt(bits)) - 1n), kind);

    // IPv4 reserves the first and last address of a block for the network and broadcast,
    // except in /31 point-to-point links (RFC 3021) and /32 single hosts. IPv6 has no
    // broadcast address, so every address counts.
    const reservesEnds = kind === 'ipv4' && prefix <= 30;
    const firstHost = reservesEnds ? network + 1n : network;
    const lastHost = reservesEnds ? last - 1n : last;
    const usable = reservesEnds ? total - 2n : total;

    let contains: boolean | null = null;
    if (args.contains !== undefined) {
      const candidate = parseAddress(args.contains, 'contains');
      contains = candidate.kind() === kind && candidate.match(bigIntToAddress(network, kind), prefix);
    }

    return {
      version: kind === 'ipv4' ? 4 : 6,
      cidr: `${bigIntToAddress(network, kind).toString()}/${prefix}`,
      prefix_length: prefix,
      network_address: bigIntToAddress(network, kind).toString(),
      broadcast_address: kind === 'ipv4' ? bigIntToAddress(last, kind).toString() : null,
      last_address: bigIntToAddress(last, kind).toString(),
      netmask: mask.toString(),
      hostmask: hostmask.toString(),
      first_host: bigIntToAddress(firstHost, kind).toString(),
      last_host: bigIntToAddress(lastHost, kind).toString(),
      // Decimal strings, because an IPv6 block can hold more addresses than a JSON number
      // represents exactly.
      total_addresses: total.toString(),
      usable_hosts: usable.toString(),
      contains,
    };
  },
});

/** Writes all eight groups of an IPv6 address with four hex digits each. */
function expandedIpv6(address: ipaddr.IPv6): string {
  return address.parts.map((part) => part.toString(16).padStart(4, '0')).join(':');
}

function reverseDnsName(address: Address): string {
  if (address.kind() === 'ipv4') {
    return `${address.toByteArray().reverse().join('.')}.in-addr.arpa`;
  }
  const nibbles = expandedIpv6(address as ipaddr.IPv6).replace(/:/g, '').split('');

  return `${nibbles.reverse().join('.')}.ip6.arpa`;
}

interface IpAddressInfoArgs {
  address: string;
}

const ipAddressInfo = defineTool<IpAddressInfoArgs>({
  name: 'ip_address_info',
  description:
    'Describe an IP address: its version, canonical and expanded forms, special-purpose range, whether it is publicly routable and its reverse DNS name',
  category: 'networking',
  tier: 'free',
  tags: ['ip', 'address', 'network', 'dns'],
  inputSchema: {
    type: 'object',
    properties: {
      address: { type: 'string', minLength: 2, maxLength: 45, description: 'IPv4 address in dotted-quad form or IPv6 address' },
    },
    required: ['address'],
    additionalProperties: false,
  },
  run(args) {
    const address = parseAddress(args.address.trim(), 'address');
    const isV4 = address.kind() === 'ipv4';
    const v6 = address as ipaddr.IPv6;
    const mapped = !isV4 && v6.isIPv4MappedAddress() ? v6.toIPv4Address() : null;
    // The range names are those of ipaddr.js 2.x, taken from the IANA special-purpose
    // address registries. "unicast" means that none of them applies.
    const range = (mapped ?? address).range();

    return {
      version: isV4 ? 4 : 6,
      canonical: address.toString(),
      expanded: isV4 ? address.toString() : expandedIpv6(v6),
      integer: addressToBigInt(address).toString(),
      range,
      is_public: range === 'unicast',
      ipv4_mapped: mapped?.toString() ?? null,
      reverse_dns_name: reverseDnsName(address),
    };
  },
});

export const networkingTools: BuiltinTool[] = [httpRequest, tlsCertificateInfo, urlParse, cidrCalculator, ipAddressInfo];
