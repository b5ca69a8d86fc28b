import createFetchClient from 'openapi-fetch';
import type { paths } from './generated/openapi.js';
import { GraphQLClient, type WebSocketConstructor } from './graphql-client.js';
import { Agents } from './resources/agents.js';
import { Chat } from './resources/chat.js';
import { Fleets } from './resources/fleets.js';
import { Marketplace } from './resources/marketplace.js';
import { Voice } from './resources/voice.js';
import { Tools } from './resources/tools.js';
import { Usage } from './resources/usage.js';
import { Webhooks } from './resources/webhooks.js';
import { Transport, type RetryEvent, type RetryOptions } from './transport.js';

export interface ClientOptions {
  /** An API key (`ak_live_…`, `ak_test_…`) or another bearer token. Defaults to `AGENTGRAPH_API_KEY`. */
  apiKey?: string;
  /**
   * The server's root URL, without `/api/v1`. Defaults to `AGENTGRAPH_BASE_URL`, then to
   * `http://localhost:4000`, where `npm start` listens.
   */
  baseUrl?: string;
  /** Time limit of one attempt in milliseconds. @default 60000 */
  timeoutMs?: number;
  /** Retries; `maxRetries: 0` turns them off. */
  retry?: RetryOptions;
  /** Called before each retry, for logging or metrics. */
  onRetry?: (event: RetryEvent) => void;
  /** Headers sent with every request, such as a `User-Agent` of the application. */
  headers?: Record<string, string>;
  /** The `fetch` to send requests with; the global one by default. */
  fetch?: typeof globalThis.fetch;
  /** The WebSocket class for GraphQL subscriptions; see {@link GraphQLClient}. */
  webSocketImpl?: WebSocketConstructor;
}

export const defaultBaseUrl = 'http://localhost:4000';

const defaultRetry: Required<RetryOptions> = {
  maxRetries: 2,
  initialDelayMs: 500,
  maxDelayMs: 8000,
  maxRetryAfterSeconds: 60,
};

function environment(name: string): string | undefined {
  const value = typeof process === 'undefined' ? undefined : process.env[name];

  return value === undefined || value === '' ? undefined : value;
}

/**
 * The agentgraph client. Each namespace covers one REST resource and returns the response
 * envelope (`{ data }`, or `{ data, meta }` for pages); errors are raised as the classes
 * in `errors`. `graphql` runs the generated GraphQL documents, subscriptions included.
 */
export class Client {
  readonly baseUrl: string;
  readonly agents: Agents;
  readonly chat: Chat;
  readonly tools: Tools;
  readonly fleets: Fleets;
  readonly voice: Voice;
  readonly marketplace: Marketplace;
  readonly usage: Usage;
  readonly webhooks: Webhooks;
  readonly graphql: GraphQLClient;

  constructor(options: ClientOptions = {}) {
    const apiKey = options.apiKey ?? environment('AGENTGRAPH_API_KEY');
    if (apiKey === undefined || apiKey === '') {
      throw new Error('Missing API key: pass { apiKey } to new Client() or set AGENTGRAPH_API_KEY');
    }
    this.baseUrl = (options.baseUrl ?? environment('AGENTGRAPH_BASE_URL') ?? defaultBaseUrl).replace(/\/+$/, '');
    const transport = new Transport({
      apiKey,
      timeoutMs: options.timeoutMs ?? 60_000,
      retry: { ...defaultRetry, ...options.retry },
      fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
      headers: options.headers ?? {},
      onRetry: options.onRetry,
      requestId: () => crypto.randomUUID(),
    });
    const rest = createFetchClient<paths, 'application/json'>({ baseUrl: this.baseUrl });
    this.agents = new Agents(rest, transport);
    this.chat = new Chat(rest, transport);
    this.tools = new Tools(rest, transport);
    this.usage = new Usage(rest, transport);
    this.webhooks = new Webhooks(rest, transport);
    this.fleets = new Fleets(rest, transport);
    this.marketplace = new Marketplace(rest, transport);
    this.voice = new Voice(rest, transport);
    this.graphql = new GraphQLClient(transport, { url: `${this.baseUrl}/graphql`, webSocketImpl: options.webSocketImpl });
  }

  /** Closes the WebSocket of GraphQL subscriptions, if one is open. */
  close(): Promise<void> {
    return this.graphql.close();
  }
}
