import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { getOperationAST, GraphQLError, type DocumentNode, type ExecutionArgs, type GraphQLFormattedError } from 'graphql';
import type { ConnectionInitMessage } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import type { YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import { authenticate } from '../auth/authenticate.js';
import { principalOf } from '../auth/request-principal.js';
import { rateLimitError, type RateLimitService } from '../ratelimit/service.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Logger } from '../logger.js';
import { isAppError } from '../errors.js';
import { assignErrorCode } from './plugins/errors.js';
import { storableParamsError } from './plugins/storable-text.js';

/** Execution functions that Yoga's envelop builds per operation, passed through `rootValue`. */
interface EnvelopedRoot {
  execute(args: ExecutionArgs): unknown;
  subscribe(args: ExecutionArgs): unknown;
}

/**
 * Reads the bearer token of a graphql-ws connection: `authorization` ("Bearer <token>")
 * or `apiKey` in the connection_init payload, else the upgrade request's header.
 */
export function connectionCredential(
  payload: ConnectionInitMessage['payload'],
  headers: Record<string, string | string[] | undefined>,
): string | undefined {
  const fromPayload = payload?.authorization ?? payload?.Authorization ?? payload?.apiKey;
  const header = typeof fromPayload === 'string' ? fromPayload : headers.authorization;
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') {
    return undefined;
  }

  return value.replace(/^Bearer\s+/i, '').trim();
}

/** A WebSocket endpoint besides `/graphql`, such as the voice room socket. */
export interface SocketRoute {
  matches(pathname: string): boolean;
  server: WebSocketServer;
  close(): Promise<void>;
}

/**
 * Formats an error for a graphql-ws message as HTTP responses format it: with a code from
 * the REST set, and without the `http` extension, which only steers Yoga's HTTP status.
 */
function formatSocketError(error: GraphQLError): GraphQLFormattedError {
  assignErrorCode(error);
  const formatted = error.toJSON();
  if (formatted.extensions === undefined || !('http' in formatted.extensions)) {
    return formatted;
  }
  const { http: _http, ...extensions } = formatted.extensions;

  return { ...formatted, extensions };
}

/** Rethrows anything but a `GraphQLError`, which becomes the operation's error message. */
function asOperationErrors(error: unknown): readonly GraphQLError[] {
  if (error instanceof GraphQLError) {
    return [error];
  }
  throw error;
}

/**
 * Serves GraphQL over WebSocket (the graphql-ws protocol) on `/graphql` of `server`,
 * running each operation through Yoga's plugins, and hands upgrades of other paths to
 * the first of `routes` that matches them; any other path is answered 404. A connection
 * whose credential is missing or invalid is closed with 4403 Forbidden at
 * connection_init. An operation that cannot run (bad syntax, an invalid document, an
 * ambiguous operation name) gets an `error` message for its id, and the socket and its
 * other operations carry on.
 */
export function attachWebSocketServer(
  server: Server,
  yoga: YogaServerInstance<Record<string, unknown>, Record<string, unknown>>,
  deps: { prisma: PrismaClient; log: Logger; limiter: RateLimitService },
  routes: readonly SocketRoute[] = [],
): { close(): Promise<void> } {
  // Each server takes its upgrades from the listener below: a `ws` server bound to the
  // HTTP server with a `path` would answer 400 to the other endpoints' upgrades.
  const webSocketServer = new WebSocketServer({ noServer: true });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const pathname = new URL(request.url ?? '/', 'http://websocket').pathname;
    const target = pathname === '/graphql' ? webSocketServer : routes.find((entry) => entry.matches(pathname))?.server;
    if (target === undefined) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');

      return;
    }
    target.handleUpgrade(request, socket, head, (client) => target.emit('connection', client, request));
  });
  const disposable = useServer(
    {
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args) as never,
      subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args) as never,
      onConnect: async (context) => {
        const token = connectionCredential(context.connectionParams, context.extra.request.headers);
        // Every operation worth a socket needs a credential, so a connection without one
        // is rejected like an invalid one, rather than acknowledged and left to fail later.
        if (token === undefined) {
          return false;
        }
        try {
          await authenticate(deps.prisma, token, deps.log);

          return true;
        } catch (error) {
          if (isAppError(error)) {
            return false;
          }
          throw error;
        }
      },
      onSubscribe: async (context, _id, payload) => {
        // Yoga's onParams hooks, which check these over HTTP, do not run for sockets.
        const unstorable = storableParamsError(payload);
        if (unstorable !== undefined) {
          return [unstorable];
        }
        const token = connectionCredential(context.connectionParams, context.extra.request.headers);
        const headers = new Headers();
        if (token !== undefined) {
          headers.set('authorization', `Bearer ${token}`);
        }
        const request = new Request('http://websocket/graphql', { method: 'POST', headers });
        // A subscription or operation over the socket counts as one request when it starts.
        const principal = await principalOf(request, deps.prisma, deps.log).catch(() => undefined);
        const decision = await deps.limiter.admit(principal, context.extra.request.socket.remoteAddress);
        if (decision !== undefined && !decision.allowed) {
          const error = rateLimitError(decision, Date.now());

          return [new GraphQLError(error.message, { extensions: { code: error.code, status: error.status } })];
        }
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          request,
          params: payload,
        });
        let document: DocumentNode;
        try {
          document = parse(payload.query);
        } catch (error) {
          return asOperationErrors(error);
        }
        const errors = validate(schema, document);
        if (errors.length > 0) {
          return errors;
        }
        if (getOperationAST(document, payload.operationName) === null) {
          const message =
            typeof payload.operationName === 'string'
              ? `The document has no operation named ${JSON.stringify(payload.operationName)}`
              : 'The document has several operations: name the one to run in operationName';

          return [new GraphQLError(message)];
        }
        let contextValue: unknown;
        try {
          // Raises auth_required when the connection's key was revoked after it connected.
          contextValue = await contextFactory();
        } catch (error) {
          return asOperationErrors(error);
        }

        return {
          schema,
          operationName: payload.operationName,
          document,
          variableValues: payload.variables,
          contextValue,
          rootValue: { execute, subscribe } satisfies EnvelopedRoot,
        } satisfies ExecutionArgs;
      },
      onNext: (_context, _id, _payload, _args, result) =>
        result.errors === undefined ? undefined : { ...result, errors: result.errors.map(formatSocketError) },
      onError: (_context, _id, _payload, errors) => errors.map(formatSocketError),
    },
    webSocketServer,
  );

  return {
    async close() {
      for (const client of webSocketServer.clients) {
        client.close(1001, 'server shutting down');
      }
      await disposable.dispose();
      await Promise.all(routes.map((entry) => entry.close()));
    },
  };
}
