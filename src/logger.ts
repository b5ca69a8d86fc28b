import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type DestinationStream, type Logger } from 'pino';

/** Per-request values that every log line written while handling the request carries. */
export interface RequestScope {
  requestId?: string;
  /** The peer address of the connection, which limits requests without a credential. */
  remoteAddress?: string;
}

export const requestScope = new AsyncLocalStorage<RequestScope>();

/**
 * Creates the process logger, writing JSON lines to standard output or `destination`;
 * lines written inside a request carry its `requestId`.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'agentgraph' },
    redact: {
      paths: ['*.authorization', '*.password', '*.secret', '*.token', '*.apiKey', '*.api_key'],
      censor: '[redacted]',
    },
    mixin() {
      const requestId = requestScope.getStore()?.requestId;

      return requestId === undefined ? {} : { requestId };
    },
  };

  return destination === undefined ? pino(options) : pino(options, destination);
}

export type { Logger };
