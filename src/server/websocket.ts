import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError, type ExecutionArgs } from 'graphql';
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
 * Serves GraphQL over WebSocket (the graphql-ws protocol) on `/graphql` of `server`,
 * running each operation through Yoga's plugins, and hands upgrades of other paths to
 * the first of `routes` that matches them; any other path is answered 404. A GraphQL
 * connection whose credential is invalid is closed with 4403 at connection_init.
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
        const args: ExecutionArgs = {
          schema,
          operationName: payload.operationName,
          document: parse(payload.query),
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe } satisfies EnvelopedRoot,
        };
        const errors = validate(args.schema, args.document);

        return errors.length > 0 ? errors : args;
      },
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
