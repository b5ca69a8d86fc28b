import DataLoader from 'dataloader';
import { tenantOf, type Principal } from '../auth/principal.js';
import type { Config } from '../config.js';
import type { ServiceContext } from '../context.js';
import { authRequired } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import type { Agent, PrismaClient } from '../generated/prisma/client.js';
import type { ModelRuntime } from '../llm/models.js';
import type { Logger } from '../logger.js';
import { getAgentsByIds } from '../agents/service.js';
import type { UsageRecorder } from '../server/plugins/rate-limit.js';
import type { ToolRuntime } from '../tools/service.js';
import type { VoiceRuntime } from '../voice/runtime.js';

/** Loaders live for one request, so a cached row never crosses requests or tenants. */
export interface Loaders {
  agentById: DataLoader<number, Agent | null>;
}

export interface GraphQLContext {
  prisma: PrismaClient;
  config: Config;
  log: Logger;
  tools: ToolRuntime;
  models: ModelRuntime;
  voice: VoiceRuntime;
  usage: UsageRecorder;
  /** Published events, which the `events` subscription reads. */
  events: EventBus;
  /** `undefined` for a request without credentials, which may only introspect. */
  principal: Principal | undefined;
  /** The caller's service context; raises `auth_required` for anonymous requests. */
  services(): ServiceContext;
  loaders(): Loaders;
}

export function createGraphQLContext(options: {
  prisma: PrismaClient;
  config: Config;
  log: Logger;
  principal: Principal | undefined;
  tools: ToolRuntime;
  models: ModelRuntime;
  voice: VoiceRuntime;
  usage: UsageRecorder;
  events: EventBus;
}): GraphQLContext {
  const { prisma, config, log, principal, tools, models, voice, usage, events } = options;
  let services: ServiceContext | undefined;
  let loaders: Loaders | undefined;

  const context: GraphQLContext = {
    prisma,
    config,
    log,
    tools,
    models,
    voice,
    usage,
    events,
    principal,
    services() {
      if (principal === undefined) {
        throw authRequired();
      }
      services ??= { prisma, tenant: tenantOf(principal), log, plan: principal.plan };

      return services;
    },
    loaders() {
      loaders ??= {
        agentById: new DataLoader((ids: readonly number[]) => getAgentsByIds(context.services(), ids)),
      };

      return loaders;
    },
  };

  return context;
}
