import { lookup, Resolver, type LookupAddress, type LookupOptions } from 'node:dns';
import ipaddr from 'ipaddr.js';
import { Agent, fetch } from 'undici';
import { ToolError } from './definition.js';

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Readable names of the ipaddr.js range kinds that the guard refuses. */
const rangeNames: Record<string, string> = {
  unspecified: 'unspecified',
  broadcast: 'broadcast',
  multicast: 'multicast',
  linkLocal: 'link-local',
  loopback: 'loopback',
  carrierGradeNat: 'carrier-grade NAT',
  private: 'private',
  reserved: 'reserved',
  uniqueLocal: 'unique local',
  ipv4Mapped: 'IPv4-mapped',
  rfc6145: 'IPv4-translated',
  rfc6052: 'NAT64',
  '6to4': '6to4',
  teredo: 'Teredo',
  benchmarking: 'benchmarking',
  amt: 'AMT',
  as112v6: 'AS112',
  deprecated: 'deprecated',
  orchid2: 'ORCHIDv2',
  droneRemoteIdProtocolEntityTags: 'drone remote ID',
};

export interface OutboundRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal: AbortSignal;
  /** Redirects to follow; each target is checked like the first. Defaults to 5. */
  maxRedirects?: number;
  /**
   * False returns a redirect response as it is, without following it, for callers such as
   * webhook delivery that must reach exactly the URL they were given. Defaults to true.
   */
  followRedirects?: boolean;
  /** Bytes of body to read before stopping; the result says when it was truncated. */
  maxBytes: number;
}

export interface OutboundResponse {
  url: string;
  status: number;
  headers: Record<string, string>;
  body: string;
  truncated: boolean;
  redirects: string[];
}

/** Outbound DNS and HTTP for tools, refusing addresses that are not public. */
export interface OutboundNetwork {
  /** Raises a `ToolError` unless `address` (an IP literal) may be reached. */
  assertAllowedAddress(address: string): void;
  /**
   * A DNS resolver. A caller-chosen `server` ("host" or "host:port") is checked against
   * the policy first; without one the operator's `DNS_SERVERS` or the system's are used.
   */
  resolver(server: string | undefined, timeoutMs: number): Resolver;
  fetch(url: string, request: OutboundRequest): Promise<OutboundResponse>;
}

/** Parses `OUTBOUND_ALLOWED_CIDRS` entries such as `127.0.0.0/8` or `::1/128`. */
export function parseCidrs(entries: readonly string[]): Cidr[] {
  return entries.map((entry) => {
    try {
      return ipaddr.parseCIDR(entry);
    } catch {
      throw new Error(`OUTBOUND_ALLOWED_CIDRS entry "${entry}" is not a CIDR range such as 10.0.0.0/8`);
    }
  });
}

function normalise(address: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  return address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()
    ? (address as ipaddr.IPv6).toIPv4Address()
    : address;
}

/**
 * Builds the outbound network policy. Only globally routable unicast addresses are
 * reachable: loopback, private, link-local (which holds the 169.254.169.254 cloud
 * metadata service), carrier-grade NAT, unique-local and reserved ranges are refused
 * unless `allowedCidrs` contains them.
 */
export function createOutboundNetwork(
  allowed: Cidr[],
  options: { dnsServers?: readonly string[]; subject?: string } = {},
): OutboundNetwork {
  // Names who is refused in messages: "tools" here, "webhooks" for webhook delivery.
  const subject = options.subject ?? 'tools';

  function blockedReason(literal: string): string | undefined {
    let address: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      address = normalise(ipaddr.parse(literal));
    } catch {
      return 'is not an IP address';
    }
    const inAllowed = allowed.some(([range, bits]) => range.kind() === address.kind() && address.match(range, bits));
    if (inAllowed) {
      return undefined;
    }
    const range = address.range();

    return range === 'unicast' ? undefined : `is in the ${rangeNames[range] ?? range} range`;
  }

  function assertAllowedAddress(address: string): void {
    const reason = blockedReason(address);
    if (reason !== undefined) {
      throw new ToolError(
        `Destination ${address} ${reason}, which ${subject} may not reach; an operator can allow its range with OUTBOUND_ALLOWED_CIDRS`,
      );
    }
  }

  // The check runs inside the connection's own DNS lookup, so the address that is checked
  // is the address that is dialled: a second resolution cannot swap in a private one.
  function guardedLookup(
    hostname: string,
    options: LookupOptions,
    callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void,
  ): void {
    lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error !== null) {
        callback(error, []);

        return;
      }
      try {
        for (const entry of addresses) {
          assertAllowedAddress(entry.address);
        }
      } catch (refusal) {
        callback(refusal as Error, []);

        return;
      }
      if (options.all === true) {
        callback(null, addresses);
      } else {
        callback(null, addresses[0]!.address, addresses[0]!.family);
      }
    });
  }

  const dispatcher = new Agent({ connect: { lookup: guardedLookup as never }, connections: 16 });

  function assertUrl(target: URL): void {
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      throw new ToolError(`Only http and https URLs may be fetched, got ${target.protocol}`);
    }
    const host = target.hostname.replace(/^\[|\]$/g, '');
    if (ipaddr.isValid(host)) {
      assertAllowedAddress(host);
    }
  }

  return {
    assertAllowedAddress,

    resolver(server, timeoutMs) {
      const resolver = new Resolver({ timeout: timeoutMs, tries: 2 });
      if (server !== undefined) {
        const match = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(server);
        const host = ipaddr.isValid(server) ? server : (match?.[1] ?? server);
        const port = ipaddr.isValid(server) || match?.[2] === undefined ? 53 : Number(match[2]);
        // c-ares aborts the whole process on port 0, so the port is checked before it sees it.
        if (!ipaddr.isValid(host) || !Number.isInteger(port) || port < 1 || port > 65_535) {
          throw new ToolError(
            `Resolver must be an IP address with an optional port from 1 to 65535, got ${JSON.stringify(server)}`,
          );
        }
        assertAllowedAddress(host);
        resolver.setServers([server]);
      } else if (options.dnsServers !== undefined && options.dnsServers.length > 0) {
        resolver.setServers([...options.dnsServers]);
      }

      return resolver;
    },

    async fetch(url, request) {
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        throw new ToolError(`Invalid URL ${JSON.stringify(url)}`);
      }
      const redirects: string[] = [];
      let method = (request.method ?? 'GET').toUpperCase();
      let body = request.body;
      for (;;) {
        assertUrl(target);
        let response;
        try {
          response = await fetch(target, {
            method,
            headers: request.headers,
            body: method === 'GET' || method === 'HEAD' ? undefined : body,
            redirect: 'manual',
            signal: request.signal,
            dispatcher,
          });
        } catch (error) {
          const cause = (error as { cause?: unknown }).cause;
          if (cause instanceof ToolError) {
            throw cause;
          }
          if (request.signal.aborted) {
            throw error;
          }
          const reason = cause instanceof Error ? cause.message : (error as Error).message;
          throw new ToolError(`Request to ${target.origin} failed: ${reason}`);
        }
        const location = response.headers.get('location');
        if (response.status >= 300 && response.status < 400 && location !== null && request.followRedirects !== false) {
          await response.body?.cancel();
          if (redirects.length >= (request.maxRedirects ?? 5)) {
            throw new ToolError(`Stopped after ${redirects.length} redirects at ${target.href}`);
          }
          target = new URL(location, target);
          redirects.push(target.href);
          if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
            method = 'GET';
            body = undefined;
          }
          continue;
        }
        const { text, truncated } = await readLimited(response.body as ReadableStream<Uint8Array> | null, request.maxBytes);

        return {
          url: target.href,
          status: response.status,
          headers: Object.fromEntries(response.headers),
          body: text,
          truncated,
          redirects,
        };
      }
    },
  };
}

async function readLimited(
  stream: ReadableStream<Uint8Array> | null,
  maxBytes: number,
): Promise<{ text: string; truncated: boolean }> {
  if (stream === null) {
    return { text: '', truncated: false };
  }
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      return { text: Buffer.concat(chunks).toString('utf8'), truncated: false };
    }
    const room = maxBytes - size;
    if (value.byteLength >= room) {
      chunks.push(value.subarray(0, room));
      await reader.cancel();

      return { text: Buffer.concat(chunks).toString('utf8'), truncated: true };
    }
    chunks.push(value);
    size += value.byteLength;
  }
}
