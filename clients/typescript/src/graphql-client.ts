import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { getOperationAST, print } from 'graphql';
import { createClient, type Client as WebSocketClient } from 'graphql-ws';
import { ApiError, errorForStatus } from './errors.js';
import type { RequestOptions, Transport } from './transport.js';

/** A WebSocket class as graphql-ws accepts it: the browser's, Node 22's or the `ws` package's. */
export type WebSocketConstructor = unknown;

export interface GraphQLClientOptions {
  /** The HTTP endpoint, such as `http://localhost:4000/graphql`. */
  url: string;
  /**
   * The WebSocket class for subscriptions. Defaults to the global `WebSocket`, and on
   * Node.js 20, which has none, to the `ws` package when it is installed.
   */
  webSocketImpl?: WebSocketConstructor;
}

interface GraphQLErrorBody {
  message: string;
  path?: readonly (string | number)[];
  extensions?: { code?: unknown; status?: unknown; details?: unknown };
}

interface GraphQLResponseBody<Data> {
  data?: Data | null;
  errors?: GraphQLErrorBody[];
}

/**
 * A GraphQL operation that returned errors. `errors` holds all of them and `data` what
 * resolved; the error class follows the first error's `extensions.status`, so that a
 * missing resource is a `NotFoundError` as in REST.
 */
function graphqlError(errors: GraphQLErrorBody[], requestId: string | undefined): ApiError {
  const first = errors[0]!;
  const status = typeof first.extensions?.status === 'number' ? first.extensions.status : 500;
  const code = typeof first.extensions?.code === 'string' ? first.extensions.code : 'graphql_error';
  const details = Array.isArray(first.extensions?.details) ? first.extensions.details : undefined;
  const error = errorForStatus(first.message, { status, code, requestId, details });
  Object.defineProperty(error, 'graphqlErrors', { value: errors, enumerable: true });

  return error;
}

/** The `ws` package's WebSocket class, which takes the handshake's headers as an option. */
type NodeWebSocketClass = new (
  url: string | URL,
  protocols?: string | string[],
  options?: { headers?: Record<string, string> },
) => object;

/**
 * Returns the WebSocket class for subscriptions: the configured one, else the global one,
 * else the `ws` package's. The standard WebSocket constructor takes no headers, so only
 * with `ws` does the handshake carry `headers` (the credential and an `X-Request-ID`),
 * as every HTTP request does.
 */
async function loadWebSocket(configured: WebSocketConstructor | undefined, headers: Headers): Promise<WebSocketConstructor> {
  if (configured !== undefined) {
    return configured;
  }
  if (typeof globalThis.WebSocket === 'function') {
    return globalThis.WebSocket;
  }
  let NodeWebSocket: NodeWebSocketClass;
  try {
    ({ WebSocket: NodeWebSocket } = (await import('ws')) as unknown as { WebSocket: NodeWebSocketClass });
  } catch {
    throw new Error('GraphQL subscriptions need a WebSocket: install the ws package or pass webSocketImpl');
  }
  const handshakeHeaders = Object.fromEntries(headers);

  return class extends NodeWebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, { headers: handshakeHeaders });
    }
  };
}

/**
 * Runs the typed documents of GraphQL Code Generator: queries and mutations over HTTP
 * through the client's transport (credential, request id, retries), subscriptions over
 * graphql-ws with the credential in the `connection_init` payload.
 */
export class GraphQLClient {
  private socket: Promise<WebSocketClient> | undefined;

  constructor(
    private readonly transport: Transport,
    private readonly options: GraphQLClientOptions,
  ) {}

  /** Runs a query or mutation and returns its `data`; GraphQL errors are raised. */
  async request<Data, Variables extends Record<string, unknown>>(
    document: TypedDocumentNode<Data, Variables>,
    ...[variables, options]: Record<string, never> extends Variables
      ? [variables?: Variables, options?: RequestOptions]
      : [variables: Variables, options?: RequestOptions]
  ): Promise<Data> {
    const operation = getOperationAST(document);
    const request = new Request(this.options.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
      body: JSON.stringify({ query: print(document), variables, operationName: operation?.name?.value }),
    });
    // A query changes nothing, so it is as safe to repeat as a REST GET.
    const response = await this.transport.send(request, { ...options, idempotent: operation?.operation === 'query' });
    const body = (await response.json()) as GraphQLResponseBody<Data>;
    if (body.errors !== undefined && body.errors.length > 0) {
      throw graphqlError(body.errors, response.headers.get('x-request-id') ?? undefined);
    }

    return body.data as Data;
  }

  /**
   * Starts a subscription over graphql-ws and yields each result's `data`. A GraphQL
   * error ends the iteration by raising it; breaking out of the loop completes the
   * subscription. The WebSocket opens with the first subscription and is shared.
   */
  async *subscribe<Data, Variables extends Record<string, unknown>>(
    document: TypedDocumentNode<Data, Variables>,
    variables?: Variables,
  ): AsyncGenerator<Data, void, undefined> {
    const socket = await this.connect();
    const results = socket.iterate<Data>({ query: print(document), variables });
    try {
      for await (const result of results) {
        if (result.errors !== undefined && result.errors.length > 0) {
          throw graphqlError(result.errors as GraphQLErrorBody[], undefined);
        }
        yield result.data as Data;
      }
    } finally {
      await results.return?.();
    }
  }

  /** Closes the WebSocket of subscriptions, if one is open. */
  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (socket !== undefined) {
      await (await socket).dispose();
    }
  }

  private connect(): Promise<WebSocketClient> {
    if (this.socket === undefined) {
      // One request id for the connection, sent again when graphql-ws reconnects.
      const headers = this.transport.headersFor(this.transport.options.requestId());
      this.socket = loadWebSocket(this.options.webSocketImpl, headers).then((webSocketImpl) => {
        const url = new URL(this.options.url);
        url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';

        return createClient({
          url: url.toString(),
          webSocketImpl,
          lazy: true,
          connectionParams: { authorization: headers.get('authorization') },
          retryAttempts: this.transport.options.retry.maxRetries,
        });
      });
    }

    return this.socket;
  }
}
