import type { Tenant } from '../auth/principal.js';
import type { ServiceContext } from '../context.js';
import { AppError, ErrorCode, notFound, ValidationError } from '../errors.js';
import type { FleetCreatedData } from '../events/catalogue.js';
import { recordEvent } from '../events/outbox.js';
import type { Fleet, Prisma } from '../generated/prisma/client.js';
import { parseDatabaseId } from '../ids.js';
import { assertWithinQuota, reportThresholds } from '../usage/service.js';
import { parseInput, type FieldNames } from '../validation.js';
import {
  activeRunStatuses,
  createFleetInput,
  updateFleetInput,
  type CreateFleetInput,
  type UpdateFleetInput,
} from './schemas.js';

/** A fleet with the number of agents attached to it. */
export type FleetWithCount = Fleet & { agentCount: number };

export interface InputOptions {
  fieldNames?: FieldNames;
}

/** Fleet `status` values: `active` with no run in progress, `running` while one is queued or running. */
export const fleetStatuses = ['active', 'running'] as const;

const withAgentCount = { _count: { select: { agents: true } } } as const;

function counted(fleet: Fleet & { _count: { agents: number } }): FleetWithCount {
  const { _count, ...rest } = fleet;

  return { ...rest, agentCount: _count.agents };
}

export function tenantWhere(tenant: Tenant): Prisma.FleetWhereInput {
  return { accountId: tenant.accountId, livemode: tenant.livemode };
}

/**
 * Checks that `fleetId` names a fleet of the tenant with a free agent slot, locking the
 * fleet row until the surrounding transaction ends so that two concurrent joins cannot
 * both take the last slot. `field` names the input field in the error.
 */
export async function reserveFleetSlot(
  tx: Prisma.TransactionClient,
  tenant: Tenant,
  fleetId: number,
  field: string,
): Promise<void> {
  const rows = await tx.$queryRaw<{ max_agents: number; auto_scale: boolean }[]>`
    SELECT max_agents, auto_scale FROM fleets
    WHERE id = ${fleetId} AND account_id = ${tenant.accountId} AND livemode = ${tenant.livemode}
    FOR UPDATE`;
  const fleet = rows[0];
  if (fleet === undefined) {
    throw new ValidationError([{ field, message: `does not name a fleet of this account, got ${fleetId}` }]);
  }
  if (fleet.auto_scale) {
    return;
  }
  const members = await tx.agent.count({ where: { fleetId } });
  if (members >= fleet.max_agents) {
    throw new AppError(
      ErrorCode.Conflict,
      `Fleet ${fleetId} is full: it has ${members} of its ${fleet.max_agents} agent slots in use and auto_scale is off`,
    );
  }
}

/** Reads a fleet of the tenant; another account's fleet is "not found", never "forbidden". */
export async function getFleet(ctx: ServiceContext, id: string | number): Promise<FleetWithCount> {
  const fleetId = parseDatabaseId(id);
  const fleet =
    fleetId === undefined
      ? null
      : await ctx.prisma.fleet.findFirst({ where: { ...tenantWhere(ctx.tenant), id: fleetId }, include: withAgentCount });
  if (fleet === null) {
    throw notFound('Fleet', id);
  }

  return counted(fleet);
}

/** Lists the tenant's fleets, oldest first, for offset pagination. */
export async function listFleets(
  ctx: ServiceContext,
  page: { offset: number; limit: number },
): Promise<{ fleets: FleetWithCount[]; total: number }> {
  const where = tenantWhere(ctx.tenant);
  const [fleets, total] = await ctx.prisma.$transaction([
    ctx.prisma.fleet.findMany({ where, orderBy: { id: 'asc' }, skip: page.offset, take: page.limit, include: withAgentCount }),
    ctx.prisma.fleet.count({ where }),
  ]);

  return { fleets: fleets.map(counted), total };
}

/** Lists the tenant's fleets with a Pothos connection query (cursor, take and selection). */
export async function findFleets(ctx: ServiceContext, query: Prisma.FleetFindManyArgs): Promise<Fleet[]> {
  return ctx.prisma.fleet.findMany({ ...query, where: tenantWhere(ctx.tenant), orderBy: { id: 'asc' } });
}

export async function countFleets(ctx: ServiceContext): Promise<number> {
  return ctx.prisma.fleet.count({ where: tenantWhere(ctx.tenant) });
}

/** The first key of the advisory lock that serialises fleet creation per account. */
const fleetQuotaLockClass = 72_707_371;

export async function createFleet(
  ctx: ServiceContext,
  input: CreateFleetInput,
  options: InputOptions = {},
): Promise<FleetWithCount> {
  const data = parseInput(createFleetInput, input, options.fieldNames);
  const fleet = await ctx.prisma.$transaction((tx) => createFleetInTransaction(tx, ctx, data));
  ctx.log.info({ fleetId: fleet.id, accountId: fleet.accountId }, 'created fleet');

  return { ...fleet, agentCount: 0 };
}

/**
 * Creates a fleet from checked fields inside `tx`, enforcing the plan's fleet quota and
 * raising fleet.created, so that callers with a transaction of their own (marketplace
 * installs) follow the same rules as `createFleet`.
 */
export async function createFleetInTransaction(
  tx: Prisma.TransactionClient,
  ctx: ServiceContext,
  data: Pick<Fleet, 'name' | 'description' | 'maxAgents' | 'autoScale'>,
): Promise<Fleet> {
  let existing = 0;
  if (ctx.plan !== undefined) {
    // The lock makes concurrent creations of one account count one after the other, so
    // they cannot both take the last place of the quota.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${fleetQuotaLockClass}, ${ctx.tenant.accountId})`;
    existing = await tx.fleet.count({ where: tenantWhere(ctx.tenant) });
    assertWithinQuota(ctx.plan, 'fleetsActive', existing);
  }
  const created = await tx.fleet.create({
    data: {
      accountId: ctx.tenant.accountId,
      livemode: ctx.tenant.livemode,
      name: data.name,
      description: data.description,
      maxAgents: data.maxAgents,
      autoScale: data.autoScale,
    },
  });
  await recordEvent(tx, ctx.tenant, 'fleet.created', {
    fleet_id: created.id,
    fleet_name: created.name,
    max_agents: created.maxAgents,
    auto_scale: created.autoScale,
  } satisfies FleetCreatedData);
  if (ctx.plan !== undefined) {
    await reportThresholds(tx, ctx.tenant, ctx.plan, 'fleetsActive', existing + 1);
  }

  return created;
}

/**
 * Changes only the fields present in `input`. Lowering `max_agents` below the agents
 * already attached is a conflict while auto_scale stays off, because the fleet would hold
 * more agents than it allows.
 */
export async function updateFleet(
  ctx: ServiceContext,
  id: string | number,
  input: UpdateFleetInput,
  options: InputOptions = {},
): Promise<FleetWithCount> {
  const current = await getFleet(ctx, id);
  const data = parseInput(updateFleetInput, input, options.fieldNames);
  const changes: Prisma.FleetUpdateManyMutationInput = {};
  if (data.name !== undefined) changes.name = data.name;
  if (data.description !== undefined) changes.description = data.description ?? '';
  if (data.maxAgents !== undefined) changes.maxAgents = data.maxAgents;
  if (data.autoScale !== undefined) changes.autoScale = data.autoScale;
  if (Object.keys(changes).length === 0) {
    return current;
  }

  await ctx.prisma.$transaction(async (tx) => {
    // The row lock orders this check against agents joining at the same time.
    await tx.$queryRaw`SELECT id FROM fleets WHERE id = ${current.id} FOR UPDATE`;
    const members = await tx.agent.count({ where: { fleetId: current.id } });
    const maxAgents = data.maxAgents ?? current.maxAgents;
    const autoScale = data.autoScale ?? current.autoScale;
    if (!autoScale && members > maxAgents) {
      const field = options.fieldNames?.maxAgents ?? 'maxAgents';
      throw new AppError(
        ErrorCode.Conflict,
        `Fleet ${current.id} has ${members} agents, more than ${field} ${maxAgents} allows with auto_scale off; detach agents first or turn auto_scale on`,
      );
    }
    const { count } = await tx.fleet.updateMany({ where: { ...tenantWhere(ctx.tenant), id: current.id }, data: changes });
    if (count === 0) {
      throw notFound('Fleet', id);
    }
  });

  return getFleet(ctx, current.id);
}

/**
 * Deletes a fleet. Its agents stay and are detached, except copies that auto-scaling
 * added, which exist only for the fleet. A fleet with a run queued or running is a
 * conflict unless `force` is set; forcing it deletes the runs with the fleet, and workers
 * that are running their steps drop their results.
 */
export async function deleteFleet(ctx: ServiceContext, id: string | number, options: { force?: boolean } = {}): Promise<Fleet> {
  const fleet = await getFleet(ctx, id);
  await ctx.prisma.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM fleets WHERE id = ${fleet.id} FOR UPDATE`;
    const active = await tx.fleetRun.count({ where: { fleetId: fleet.id, status: { in: activeRunStatuses } } });
    if (active > 0 && options.force !== true) {
      throw new AppError(
        ErrorCode.Conflict,
        `Fleet ${fleet.id} has ${active} run(s) queued or running; cancel them first, or delete with force=true`,
      );
    }
    await tx.agent.deleteMany({ where: { fleetId: fleet.id, autoScaled: true } });
    const { count } = await tx.fleet.deleteMany({ where: { ...tenantWhere(ctx.tenant), id: fleet.id } });
    if (count === 0) {
      throw notFound('Fleet', id);
    }
  });
  ctx.log.info({ fleetId: fleet.id, force: options.force === true }, 'deleted fleet');

  return fleet;
}
