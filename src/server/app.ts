import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createYoga } from 'graphql-yoga';
import { accountRoutes } from '../accounts/routes.js';
import { agentRoutes } from '../agents/routes.js';
import { authenticate, readCredential } from '../auth/authenticate.js';
import type { Config } from '../config.js';
import { openDatabase, type Database } from '../db/database.js';
import { isAppError } from '../errors.js';
import { createGraphQLContext, type GraphQLContext } from '../graphql/context.js';
import { graphqlSchema } from '../graphql/schema.js';
import { requestScope, type Logger } from '../logger.js';
import { createRestRouter } from '../rest/router.js';
import { builtinTools } from '../tools/builtin/index.js';
import { createOutboundNetwork, parseCidrs } from '../tools/network.js';
import { toolRoutes } from '../tools/routes.js';
import { syncBuiltinTools, type ToolRuntime } from '../tools/service.js';
import { bootstrapLocalAccount } from './bootstrap.js';
import { useBodyLimit } from './plugins/body-limit.js';
import { corsOptions, useVaryOrigin } from './plugins/cors.js';
import { maskErrorWith, useErrorCodes } from './plugins/errors.js';
import { useReadiness } from './plugins/readiness.js';
import { useRestRouter } from './plugins/rest.js';
import { requestIdFor } from './request-id.js';
import { attachWebSocketServer } from './websocket.js';

export interface App {
  server: Server;
  database: Database;
  /** Starts listening on `config.port` (0 picks a free port) and returns the base URL. */
  listen(): Promise<string>;
  /** Stops accepting requests, waits for those in flight, then closes the database. */
  close(): Promise<void>;
}

export interface AppOptions {
  /** Writes the first-start banner; defaults to standard output. */
  writeBanner?: (text: string) => void;
}

/** Builds the HTTP server: REST v1 and GraphQL on one Yoga pipeline over one database. */
export async function createApp(config: Config, log: Logger, options: AppOptions = {}): Promise<App> {
  const database = await openDatabase(config, log);
  const { prisma } = database;
  if (database.embedded) {
    await bootstrapLocalAccount(prisma, log, options.writeBanner).catch(async (error: unknown) => {
      await database.close();
      throw error;
    });
  }
  const tools: ToolRuntime = {
    builtins: new Map(builtinTools.map((tool) => [tool.name, tool])),
    network: createOutboundNetwork(parseCidrs(config.outboundAllowedCidrs), { dnsServers: config.dnsServers }),
    limits: { timeoutMs: config.toolTimeoutMs, maxOutputBytes: config.toolMaxOutputBytes },
  };
  await syncBuiltinTools({ prisma, log }, builtinTools).catch(async (error: unknown) => {
    await database.close();
    throw error;
  });
  let draining = false;

  const router = createRestRouter([...accountRoutes, ...agentRoutes, ...toolRoutes], {
    prisma,
    config,
    log,
    tools,
    requestIdOf: () => requestScope.getStore()?.requestId,
  });

  const yoga = createYoga<Record<string, unknown>, GraphQLContext>({
    schema: graphqlSchema(),
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/healthz',
    landingPage: false,
    batching: false,
    cors: corsOptions(config.corsOrigins),
    maskedErrors: { maskError: maskErrorWith(log) },
    logging: {
      debug: (...args) => log.debug({ yoga: args }, 'yoga'),
      info: (...args) => log.info({ yoga: args }, 'yoga'),
      warn: (...args) => log.warn({ yoga: args }, 'yoga'),
      error: (...args) => log.error({ yoga: args }, 'yoga'),
    },
    context: async ({ request }) => {
      try {
        const principal = await authenticate(prisma, readCredential(request), log);

        return createGraphQLContext({ prisma, config, log, principal, tools });
      } catch (error) {
        throw isAppError(error) ? error.asRequestError() : error;
      }
    },
    plugins: [
      useReadiness({ check: () => database.checkReady(), draining: () => draining, log }),
      useRestRouter(router),
      useBodyLimit(config.maxBodyBytes),
      useErrorCodes(),
      useVaryOrigin(config.corsOrigins.length > 0),
    ],
  });

  const server = createServer((request, response) => {
    const requestId = requestIdFor(request);
    const started = performance.now();
    response.setHeader('x-request-id', requestId);
    requestScope.run({ requestId }, () => {
      response.on('finish', () => {
        log.info(
          {
            method: request.method,
            path: request.url?.split('?')[0],
            status: response.statusCode,
            durationMs: Math.round(performance.now() - started),
          },
          'request',
        );
      });
      void yoga.requestListener(request, response);
    });
  });

  const sockets = attachWebSocketServer(server, yoga as never, { prisma, log });

  return {
    server,
    database,
    listen: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          server.off('error', reject);
          const { port } = server.address() as AddressInfo;
          const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
          log.info({ port, host: config.host, embeddedDatabase: database.embedded }, 'listening');
          resolve(`http://${host.includes(':') ? `[${host}]` : host}:${port}`);
        });
      }),
    async close() {
      draining = true;
      await sockets.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = setTimeout(() => {
        log.warn('closing connections still open after the shutdown grace period');
        server.closeAllConnections();
      }, config.shutdownGraceSeconds * 1000);
      await closed;
      clearTimeout(deadline);
      await yoga.dispose();
      await database.close();
      log.info('stopped');
    },
  };
}
