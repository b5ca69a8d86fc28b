import { useReadinessCheck, type Plugin } from 'graphql-yoga';
import type { Logger } from '../../logger.js';

export interface ReadinessOptions {
  /** Resolves to `undefined` when ready, or to the reason why not. */
  check(): Promise<string | undefined>;
  /** True once shutdown has begun, so load balancers stop sending new requests. */
  draining(): boolean;
  log: Logger;
}

function answer(status: number, body: Record<string, unknown>): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  });
}

/** `GET /readyz`: 200 when the database answers and its schema is current, else 503. */
export function useReadiness(options: ReadinessOptions): Plugin {
  return useReadinessCheck({
    endpoint: '/readyz',
    async check() {
      if (options.draining()) {
        return answer(503, { status: 'unavailable', reason: 'shutting down' });
      }
      try {
        const reason = await options.check();

        return reason === undefined
          ? answer(200, { status: 'ready' })
          : answer(503, { status: 'unavailable', reason });
      } catch (error) {
        options.log.warn({ err: error }, 'readiness check failed');

        return answer(503, { status: 'unavailable', reason: 'database unreachable' });
      }
    },
  });
}
