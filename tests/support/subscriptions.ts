import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { waitUntil } from './webhooks.js';

/** A running subscription that collects what the server sends. */
export interface SubscriptionProbe<T> {
  results: T[];
  errors: unknown[];
  completed: boolean;
  /** Resolves once `count` results arrived, or rejects after `timeoutMs`. */
  waitForResults(count: number, timeoutMs?: number): Promise<T[]>;
  /** Resolves with the first error, or rejects after `timeoutMs`. */
  waitForError(timeoutMs?: number): Promise<unknown>;
  dispose(): Promise<void>;
}

/**
 * Subscribes over graphql-ws on `<url>/graphql` with `token` in the connection_init
 * payload, as browser clients send it.
 */
export function subscribeOverWebSocket<T = Record<string, any>>(
  url: string,
  token: string,
  query: string,
  variables: Record<string, unknown> = {},
): SubscriptionProbe<T> {
  const client: Client = createClient({
    url: `${url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    lazy: true,
  });
  const probe: SubscriptionProbe<T> = {
    results: [],
    errors: [],
    completed: false,
    waitForResults: (count, timeoutMs = 15_000) =>
      waitUntil(
        () => (probe.results.length >= count ? probe.results.slice(0, count) : undefined),
        timeoutMs,
        () => `expected ${count} subscription results, got ${probe.results.length} (errors: ${JSON.stringify(probe.errors)})`,
      ),
    waitForError: (timeoutMs = 15_000) =>
      waitUntil(() => probe.errors[0], timeoutMs, () => 'expected a subscription error'),
    async dispose() {
      unsubscribe();
      await client.dispose();
    },
  };
  const unsubscribe = client.subscribe<T>(
    { query, variables },
    {
      next: (value) => {
        if (value.errors !== undefined) {
          probe.errors.push(value.errors);
        } else {
          probe.results.push(value.data as T);
        }
      },
      error: (error) => {
        probe.errors.push(error);
      },
      complete: () => {
        probe.completed = true;
      },
    },
  );

  return probe;
}

export const eventsSubscription = `subscription Events($types: [EventType!]) {
  events(types: $types) { id type event timestamp livemode data }
}`;
