import { createServer, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request that a webhook receiver got. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The body exactly as it arrived. */
  body: string;
  /** The status the receiver answered with. */
  status: number;
}

/** What a receiver answers; a number is just the status. */
export type ReceiverAnswer = number | { status: number; headers?: Record<string, string>; delayMs?: number };

export interface WebhookReceiver {
  url: string;
  port: number;
  received: ReceivedRequest[];
  /** Resolves once `count` requests arrived, or rejects after `timeoutMs`. */
  waitForRequests(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    chunks.push(chunk as Buffer);
  }

  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Starts an HTTP server on loopback that records every request and answers with
 * `answer(request, index)`, 200 by default. `port` reuses a port picked earlier.
 */
export async function startWebhookReceiver(
  answer: (request: Omit<ReceivedRequest, 'status'>, index: number) => ReceiverAnswer = () => 200,
  options: { port?: number } = {},
): Promise<WebhookReceiver> {
  const received: ReceivedRequest[] = [];
  let arrivals = 0;
  const server = createServer((request, response) => {
    void readBody(request).then(async (body) => {
      const index = arrivals;
      arrivals += 1;
      const base = { method: request.method ?? '', path: request.url ?? '', headers: request.headers, body };
      const reply = answer(base, index);
      const { status, headers = {}, delayMs = 0 } = typeof reply === 'number' ? { status: reply } : reply;
      if (delayMs > 0) {
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
      received.push({ ...base, status });
      response.writeHead(status, headers);
      response.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    waitForRequests: (count, timeoutMs = 15_000) =>
      waitUntil(() => (received.length >= count ? received.slice(0, count) : undefined), timeoutMs, () => {
        return `expected ${count} webhook requests, got ${received.length}`;
      }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
      }),
  };
}

/** Polls `check` every 25 ms until it returns a value other than `undefined`. */
export async function waitUntil<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 15_000,
  describe: () => string = () => 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting: ${describe()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Settings that make delivery fast enough for tests and allow loopback receivers. */
export const fastDeliveryEnv = {
  EVENTS_POLL_INTERVAL_MS: '50',
  WEBHOOK_RETRY_BASE_MS: '100',
  WEBHOOK_RETRY_MAX_MS: '400',
  WEBHOOK_TIMEOUT_MS: '1000',
  OUTBOUND_ALLOWED_CIDRS: '127.0.0.0/8,::1/128',
};
