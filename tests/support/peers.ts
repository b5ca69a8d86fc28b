import { readFileSync } from 'node:fs';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { fileURLToPath } from 'node:url';
import dns2 from 'dns2';

const { Packet } = dns2;

/** Record types the test DNS server answers. */
export type DnsRecordType = 'A' | 'AAAA' | 'MX' | 'NS' | 'TXT' | 'CNAME';

/** One resource record the test DNS server returns. */
export interface DnsRecord {
  type: DnsRecordType;
  /** The address, host name or text. A TXT value given as an array is sent as several strings. */
  value: string | string[];
  /** Time to live in seconds, 300 when not given. */
  ttl?: number;
  /** MX preference, 10 when not given. */
  priority?: number;
}

export interface DnsPeer {
  address: string;
  port: number;
  /** `address:port`, as tools take a resolver. */
  server: string;
  /** Every question the server received, in order. */
  queries: { name: string; type: DnsRecordType | number }[];
  close(): Promise<void>;
}

function resource(name: string, record: DnsRecord) {
  const common = { name, class: Packet.CLASS.IN, ttl: record.ttl ?? 300 };
  const value = record.value;
  switch (record.type) {
    case 'A':
      return { ...common, type: Packet.TYPE.A, address: String(value) };
    case 'AAAA':
      return { ...common, type: Packet.TYPE.AAAA, address: String(value) };
    case 'MX':
      return { ...common, type: Packet.TYPE.MX, exchange: String(value), priority: record.priority ?? 10 };
    case 'NS':
      return { ...common, type: Packet.TYPE.NS, ns: String(value) };
    case 'CNAME':
      return { ...common, type: Packet.TYPE.CNAME, domain: String(value) };
    case 'TXT':
      return { ...common, type: Packet.TYPE.TXT, data: value };
  }
}

const typeNames = new Map<number, DnsRecordType>(
  (['A', 'AAAA', 'MX', 'NS', 'TXT', 'CNAME'] as const).map((type) => [Packet.TYPE[type], type]),
);

/**
 * Starts an authoritative DNS server over UDP on a free loopback port. It returns
 * NXDOMAIN for a name missing from `records`, and an empty NOERROR response (NODATA) for
 * a known name without records of the requested type.
 */
export async function startDnsServer(records: Record<string, DnsRecord[]>): Promise<DnsPeer> {
  const zone = new Map(Object.entries(records).map(([name, entries]) => [name.toLowerCase(), entries]));
  const queries: DnsPeer['queries'] = [];
  const server = dns2.createServer({
    udp: true,
    handle(request, send) {
      const response = Packet.createResponseFromRequest(request);
      const question = request.questions[0];
      if (question === undefined) {
        response.header.rcode = Packet.RCODE.FORMERR;
        send(response);

        return;
      }
      const type = typeNames.get(question.type) ?? question.type;
      queries.push({ name: question.name, type });
      const entries = zone.get(question.name.toLowerCase());
      if (entries === undefined) {
        response.header.rcode = Packet.RCODE.NXDOMAIN;
      } else {
        for (const record of entries.filter((entry) => entry.type === type)) {
          response.answers.push(resource(question.name, record) as (typeof response.answers)[number]);
        }
      }
      send(response);
    },
  });
  const addresses = await server.listen({ udp: { port: 0, address: '127.0.0.1' } });
  const port = addresses.udp?.port;
  if (port === undefined) {
    throw new Error('the test DNS server did not report its UDP port');
  }

  return {
    address: '127.0.0.1',
    port,
    server: `127.0.0.1:${port}`,
    queries,
    close: () => server.close(),
  };
}

export interface HttpPeer {
  /** Base URL without a trailing slash, such as http://127.0.0.1:40123 */
  url: string;
  /** Request paths the server received, in order. */
  requests: string[];
  close(): Promise<void>;
}

/** Starts an HTTP server on a free loopback port that handles each request with `handler`. */
export async function startHttpServer(handler: RequestListener): Promise<HttpPeer> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(request.url ?? '');
    handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
      }),
  };
}

const fixtures = fileURLToPath(new URL('../fixtures/tls/', import.meta.url));

/**
 * The self-signed certificate of the TLS test peer: CN "agentgraph test peer", SANs
 * localhost and 127.0.0.1. Its key exists only for tests.
 */
export const tlsPeerCertificate = readFileSync(`${fixtures}peer-cert.pem`, 'utf8');

export interface TlsPeer {
  port: number;
  /** TLS handshakes the server completed. */
  handshakes(): number;
  close(): Promise<void>;
}

/** Starts a TLS server with the fixture certificate on a free loopback port. */
export async function startTlsServer(): Promise<TlsPeer> {
  let handshakes = 0;
  const server = createTlsServer(
    { key: readFileSync(`${fixtures}peer-key.pem`), cert: tlsPeerCertificate },
    (socket) => {
      handshakes += 1;
      socket.end();
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    port,
    handshakes: () => handshakes,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
