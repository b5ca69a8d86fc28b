import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga } from 'graphql-yoga';
import { principalOf } from '../auth/request-principal.js';
import type { Config } from '../config.js';
import { openDatabase, type Database } from '../db/database.js';
import { isAppError } from '../errors.js';
import { createEventBus } from '../events/bus.js';
import { createEventDispatcher } from '../events/dispatcher.js';
import { createGraphQLContext, type GraphQLContext } from '../graphql/context.js';
import { graphqlSchema } from '../graphql/schema.js';
import { createModelRuntime } from '../llm/models.js';
import { syncBuiltinItems } from '../marketplace/builtin-items.js';
import { requestScope, type Logger } from '../logger.js';
import { createRateLimitService } from '../ratelimit/service.js';
import { createRestRouter } from '../rest/router.js';
import { builtinTools } from '../tools/builtin/index.js';
import { createOutboundNetwork, parseCidrs } from '../tools/network.js';
import { createDeliveryWorker } from '../webhooks/worker.js';
import { createFleetWorker } from '../fleets/worker.js';
import { syncBuiltinTools, type ToolRuntime } from '../tools/service.js';
import { createRoomSockets } from '../voice/room-socket.js';
import { createVoiceRuntime } from '../voice/runtime.js';
import { bootstrapLocalAccount } from './bootstrap.js';
import { createClientErrorListener } from './client-error.js';
import { useApiReference } from './plugins/api-reference.js';
import { useBodyLimit } from './plugins/body-limit.js';
import { corsOptions, useVaryOrigin } from './plugins/cors.js';
import { maskErrorWith, useErrorCodes } from './plugins/errors.js';
import { useNotFoundEnvelope } from './plugins/not-found.js';
import { useRateLimit, UsageRecorder } from './plugins/rate-limit.js';
import { useReadiness } from './plugins/readiness.js';
import { useRestRouter } from './plugins/rest.js';
import { useStorableText } from './plugins/storable-text.js';
import { requestIdFor } from './request-id.js';
import { openApiPath, restRoutes } from './routes.js';
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
  await syncBuiltinItems({ prisma, log }).catch(async (error: unknown) => {
    await database.close();
    throw error;
  });
  const limiter = await createRateLimitService({
    enabled: config.rateLimitsEnabled,
    redisUrl: config.redisUrl,
    failureMode: config.rateLimitFailureMode,
    keyPrefix: `${config.redisKeyPrefix}ratelimit:`,
    log,
  });
  const usage = new UsageRecorder();
  const models = createModelRuntime(config);
  const voice = await createVoiceRuntime(config.voice, log);
  const events = createEventBus({ redisUrl: config.redisUrl, channelPrefix: config.redisKeyPrefix, log });
  const deliveryWorker = createDeliveryWorker({
    prisma,
    log,
    network: createOutboundNetwork(parseCidrs(config.outboundAllowedCidrs), { subject: 'webhooks' }),
    pollIntervalMs: config.eventsPollIntervalMs,
    timeoutMs: config.webhookTimeoutMs,
    concurrency: config.webhookConcurrency,
    schedule: {
      maxAttempts: config.webhookMaxAttempts,
      baseDelayMs: config.webhookRetryBaseMs,
      maxDelayMs: config.webhookRetryMaxMs,
    },
  });
  const fleetWorker = createFleetWorker({
    prisma,
    log,
    models,
    tools,
    pollIntervalMs: config.eventsPollIntervalMs,
    concurrency: config.fleetConcurrency,
    leaseMs: config.fleetStepLeaseMs,
    maxAttempts: config.fleetStepMaxAttempts,
    autoScaleMaxAgents: config.fleetAutoScaleMaxAgents,
  });
  const dispatcher = createEventDispatcher({
    prisma,
    bus: events,
    log,
    pollIntervalMs: config.eventsPollIntervalMs,
    retentionDays: config.eventRetentionDays,
    onDeliveriesQueued: () => deliveryWorker.wake(),
  });
  let draining = false;

  const router = createRestRouter(restRoutes(usage), {
    prisma,
    config,
    log,
    tools,
    models,
    voice,
    requestIdOf: () => requestScope.getStore()?.requestId,
  });

  const yoga = createYoga<Record<string, unknown>, GraphQLContext>({
    schema: graphqlSchema(),
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/healthz',
    landingPage: false,
    // GraphiQL with its assets inlined in the page, so that it works without internet access;
    // Yoga's default page loads them from a CDN.
    graphiql: { title: 'agentgraph GraphiQL' },
    renderGraphiQL,
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
        const principal = await principalOf(request, prisma, log);

        return createGraphQLContext({ prisma, config, log, principal, tools, models, voice, usage, events });
      } catch (error) {
        throw isAppError(error) ? error.asRequestError() : error;
      }
    },
    plugins: [
      useReadiness({ check: () => database.checkReady(), draining: () => draining, log }),
      useRateLimit({ limiter, prisma, log, usage }),
      useRestRouter(router),
      useApiReference({ documentUrl: openApiPath }),
      useBodyLimit(config.maxBodyBytes),
      useStorableText(),
      useErrorCodes(),
      useVaryOrigin(config.corsOrigins.length > 0),
      useNotFoundEnvelope('/graphql'),
    ],
  });

  const server = createServer((request, response) => {
    const requestId = requestIdFor(request);
    const started = performance.now();
    response.setHeader('x-request-id', requestId);
    requestScope.run({ requestId, remoteAddress: request.socket.remoteAddress }, () => {
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

  server.on('clientError', createClientErrorListener(log));
  const roomSockets = createRoomSockets({ prisma, log, models, voice });
  const sockets = attachWebSocketServer(server, yoga as never, { prisma, log, limiter }, [roomSockets]);
  dispatcher.start();
  deliveryWorker.start();
  fleetWorker.start();

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
      // Events recorded by the last requests stay in the outbox for the next start or
      // another instance; attempts in flight finish within their timeout.
      await dispatcher.stop();
      await deliveryWorker.stop();
      // Steps in flight are stopped and their leases ended, so another instance or the
      // next start retries them.
      await fleetWorker.stop();
      await events.close();
      await usage.settled();
      await limiter.close();
      await database.close();
      log.info('stopped');
    },
  };
}
