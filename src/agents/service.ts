import type { ServiceContext } from '../context.js';
import { AppError, ErrorCode, notFound } from '../errors.js';
import type { AgentCreatedData, AgentDeployedData } from '../events/catalogue.js';
import { recordEvent } from '../events/outbox.js';
import { assertWithinQuota, meter, reportThresholds } from '../usage/service.js';
import { reserveFleetSlot } from '../fleets/service.js';
import type { Agent, Prisma } from '../generated/prisma/client.js';
import { parseDatabaseId } from '../ids.js';
import { parseInput, type FieldNames } from '../validation.js';
import {
  createAgentInput,
  updateAgentInput,
  type CreateAgentInput,
  type UpdateAgentInput,
} from './schemas.js';

/** A Prisma `select`/`include` fragment, as Pothos passes it to resolvers. */
type AgentQuery = Omit<Prisma.AgentFindManyArgs, 'where' | 'orderBy' | 'skip' | 'take' | 'cursor'>;

/** Options that let a transport report fields by its own names in validation errors. */
export interface InputOptions {
  fieldNames?: FieldNames;
}

function tenantWhere(ctx: ServiceContext): Prisma.AgentWhereInput {
  return { accountId: ctx.tenant.accountId, livemode: ctx.tenant.livemode };
}

/** Reads an agent of the tenant; another account's agent is "not found", never "forbidden". */
export async function getAgent(ctx: ServiceContext, id: string | number, query: AgentQuery = {}): Promise<Agent> {
  const agentId = parseDatabaseId(id);
  const agent =
    agentId === undefined
      ? null
      : await ctx.prisma.agent.findFirst({ ...query, where: { ...tenantWhere(ctx), id: agentId } });
  if (agent === null) {
    throw notFound('Agent', id);
  }

  return agent;
}

/** Loads many agents of the tenant at once, in the order of `ids`; missing ones are `null`. */
export async function getAgentsByIds(ctx: ServiceContext, ids: readonly number[]): Promise<(Agent | null)[]> {
  const rows = await ctx.prisma.agent.findMany({ where: { ...tenantWhere(ctx), id: { in: [...ids] } } });
  const byId = new Map(rows.map((row) => [row.id, row]));

  return ids.map((id) => byId.get(id) ?? null);
}

export interface AgentPage {
  agents: Agent[];
  total: number;
}

/** Lists the tenant's agents, oldest first, for offset pagination. */
export async function listAgents(ctx: ServiceContext, page: { offset: number; limit: number }): Promise<AgentPage> {
  const where = tenantWhere(ctx);
  const [agents, total] = await ctx.prisma.$transaction([
    ctx.prisma.agent.findMany({ where, orderBy: { id: 'asc' }, skip: page.offset, take: page.limit }),
    ctx.prisma.agent.count({ where }),
  ]);

  return { agents, total };
}

/** Lists the tenant's agents with a Pothos connection query (cursor, take and selection). */
export async function findAgents(ctx: ServiceContext, query: Prisma.AgentFindManyArgs): Promise<Agent[]> {
  return ctx.prisma.agent.findMany({ ...query, where: tenantWhere(ctx), orderBy: { id: 'asc' } });
}

export async function countAgents(ctx: ServiceContext): Promise<number> {
  return ctx.prisma.agent.count({ where: tenantWhere(ctx) });
}

/**
 * Counts the tenant's agents for the plan quota, holding a per-account lock until the
 * transaction ends so that concurrent creations cannot both take the last place.
 */
async function countAgentsForQuota(tx: Prisma.TransactionClient, ctx: ServiceContext): Promise<number> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${agentQuotaLockClass}, ${ctx.tenant.accountId})`;

  return tx.agent.count({ where: tenantWhere(ctx) });
}

/** The first key of the advisory lock that serialises agent creation per account. */
const agentQuotaLockClass = 72_707_370;

export async function createAgent(
  ctx: ServiceContext,
  input: CreateAgentInput,
  options: InputOptions = {},
): Promise<Agent> {
  const agent = await ctx.prisma.$transaction((tx) => createAgentInTransaction(tx, ctx, input, options));
  ctx.log.info({ agentId: agent.id, accountId: agent.accountId }, 'created agent');

  return agent;
}

/**
 * Creates an agent inside the caller's transaction `tx`, with the plan quota, the fleet
 * slot and the `agent.created` event, so that other domains (a marketplace install) can
 * create agents together with their own rows.
 */
export async function createAgentInTransaction(
  tx: Prisma.TransactionClient,
  ctx: ServiceContext,
  input: CreateAgentInput,
  options: InputOptions = {},
): Promise<Agent> {
  const data = parseInput(createAgentInput, input, options.fieldNames);
  const fleetField = options.fieldNames?.fleetId ?? 'fleetId';

  const existing = ctx.plan === undefined ? 0 : await countAgentsForQuota(tx, ctx);
  if (ctx.plan !== undefined) {
    assertWithinQuota(ctx.plan, 'agentsActive', existing);
  }
  if (data.fleetId !== null) {
    await reserveFleetSlot(tx, ctx.tenant, data.fleetId, fleetField);
  }

  const created = await tx.agent.create({
    data: {
      accountId: ctx.tenant.accountId,
      livemode: ctx.tenant.livemode,
      name: data.name,
      role: data.role,
      task: data.task,
      skills: data.skills,
      fleetId: data.fleetId,
      voiceEnabled: data.voiceEnabled,
      voiceEngine: data.voiceEngine,
    },
  });
  await recordEvent(tx, ctx.tenant, 'agent.created', {
    agent_id: created.id,
    agent_name: created.name,
    role: created.role,
    fleet_id: created.fleetId,
    status: created.status,
  } satisfies AgentCreatedData);
  if (ctx.plan !== undefined) {
    await reportThresholds(tx, ctx.tenant, ctx.plan, 'agentsActive', existing + 1);
  }

  return created;
}

/**
 * Changes only the fields present in `input`; an empty input returns the agent unchanged.
 * A change to an agent in the `error` status also sets it back to `idle`, which is how a
 * client clears the error before deploying the agent again.
 */
export async function updateAgent(
  ctx: ServiceContext,
  id: string | number,
  input: UpdateAgentInput,
  options: InputOptions = {},
): Promise<Agent> {
  const current = await getAgent(ctx, id);
  const data = parseInput(updateAgentInput, input, options.fieldNames);
  const fleetField = options.fieldNames?.fleetId ?? 'fleetId';

  const changes: Prisma.AgentUncheckedUpdateInput = {};
  if (data.name !== undefined) changes.name = data.name;
  if (data.role !== undefined) changes.role = data.role;
  if (data.task !== undefined) changes.task = data.task ?? '';
  if (data.skills !== undefined) changes.skills = data.skills ?? [];
  if (data.voiceEnabled !== undefined) changes.voiceEnabled = data.voiceEnabled;
  if (data.voiceEngine !== undefined) changes.voiceEngine = data.voiceEngine;
  if (data.fleetId !== undefined) changes.fleetId = data.fleetId;
  if (data.fleetId !== undefined && data.fleetId !== current.fleetId) {
    // An auto-scaled copy that a client moves out of its fleet becomes an ordinary agent,
    // so that the fleet worker no longer removes it when idle.
    changes.autoScaled = false;
  }
  if (Object.keys(changes).length === 0) {
    return current;
  }
  if (current.status === 'error') {
    changes.status = 'idle';
  }

  return ctx.prisma.$transaction(async (tx) => {
    if (data.fleetId != null && data.fleetId !== current.fleetId) {
      await reserveFleetSlot(tx, ctx.tenant, data.fleetId, fleetField);
    }
    const result = await tx.agent.updateManyAndReturn({
      where: { ...tenantWhere(ctx), id: current.id },
      data: changes,
    });
    const updated = result[0];
    if (updated === undefined) {
      throw notFound('Agent', id);
    }

    return updated;
  });
}

export async function deleteAgent(ctx: ServiceContext, id: string | number): Promise<Agent> {
  const agent = await getAgent(ctx, id);
  const { count } = await ctx.prisma.agent.deleteMany({ where: { ...tenantWhere(ctx), id: agent.id } });
  if (count === 0) {
    throw notFound('Agent', id);
  }
  ctx.log.info({ agentId: agent.id }, 'deleted agent');

  return agent;
}

/** Puts an agent into service (`working`). Deploying a working agent changes nothing. */
export async function deployAgent(ctx: ServiceContext, id: string | number): Promise<Agent> {
  const agent = await getAgent(ctx, id);
  if (agent.status === 'working') {
    return agent;
  }
  if (agent.status === 'error') {
    throw new AppError(
      ErrorCode.Conflict,
      `Agent ${agent.id} is in the error state; update it to clear the error before deploying`,
    );
  }
  const updated = await ctx.prisma.$transaction(async (tx) => {
    // The status condition makes two concurrent deploys raise one event between them.
    const [changed] = await tx.agent.updateManyAndReturn({
      where: { ...tenantWhere(ctx), id: agent.id, status: { notIn: ['working', 'error'] } },
      data: { status: 'working' },
    });
    if (changed === undefined) {
      return undefined;
    }
    await recordEvent(tx, ctx.tenant, 'agent.deployed', {
      agent_id: changed.id,
      agent_name: changed.name,
      fleet_id: changed.fleetId,
      status: changed.status,
    } satisfies AgentDeployedData);
    await meter(tx, ctx.tenant, 'agents');

    return changed;
  });
  if (updated === undefined) {
    // Another request deleted, deployed or failed the agent since it was read: answer for
    // the state it is in now.
    return deployAgent(ctx, id);
  }
  ctx.log.info({ agentId: agent.id }, 'deployed agent');

  return updated;
}
