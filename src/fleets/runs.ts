import type { Principal } from '../auth/principal.js';
import { defaultModelName } from '../config.js';
import type { ServiceContext } from '../context.js';
import { AppError, ErrorCode, notFound } from '../errors.js';
import type { FleetDeployedData } from '../events/catalogue.js';
import { recordEvent } from '../events/outbox.js';
import type { FleetRun, FleetRunStep, Prisma } from '../generated/prisma/client.js';
import type { FleetStrategy } from '../generated/prisma/enums.js';
import { parseDatabaseId } from '../ids.js';
import { resolveModel, type ModelRuntime } from '../llm/models.js';
import { parseInput } from '../validation.js';
import { fleetWorkQueued, notifyRunChanged } from './progress.js';
import { finishRun } from './queue.js';
import { activeRunStatuses, deployFleetInput, type DeployFleetInput, type FleetStrategyName } from './schemas.js';
import { getFleet, type InputOptions } from './service.js';

/** A run with its steps in order. */
export type FleetRunWithSteps = FleetRun & { steps: FleetRunStep[] };

const withSteps = { steps: { orderBy: { position: 'asc' } } } as const;

/** `round-robin` as clients write it is `round_robin` in the database enum. */
export function strategyOf(name: FleetStrategyName): FleetStrategy {
  return name === 'round-robin' ? 'round_robin' : name;
}

export function strategyName(strategy: FleetStrategy): FleetStrategyName {
  return strategy === 'round_robin' ? 'round-robin' : strategy;
}

/**
 * Queues a run of `task` on the fleet and returns it at once, `queued`; the fleet worker of
 * any instance runs its steps. The fleet (404) and the input (400) are checked first, then
 * the model provider (503) and the fleet's agents (409 when it has none).
 *
 * Parallel runs get a step per agent, all runnable at once. Sequential runs get the same
 * steps, each waiting for the one before it. Round-robin runs get one step, which a
 * worker hands to the fleet's next agent in turn.
 */
export async function deployFleet(
  ctx: ServiceContext,
  principal: Principal,
  models: ModelRuntime,
  id: string | number,
  input: DeployFleetInput,
  options: InputOptions = {},
): Promise<FleetRunWithSteps> {
  const fleet = await getFleet(ctx, id);
  const data = parseInput(deployFleetInput, input, options.fieldNames);
  resolveModel(models, defaultModelName, 'Fleet runs');
  const strategy = strategyOf(data.strategy);

  const run = await ctx.prisma.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM fleets WHERE id = ${fleet.id} FOR UPDATE`;
    const agents = await tx.agent.findMany({ where: { fleetId: fleet.id, autoScaled: false }, orderBy: { id: 'asc' } });
    if (agents.length === 0) {
      throw new AppError(
        ErrorCode.Conflict,
        `Fleet ${fleet.id} has no agents to run the task; attach agents by setting their fleet_id to ${fleet.id}`,
      );
    }
    let steps: Prisma.FleetRunStepCreateWithoutRunInput[];
    if (strategy === 'round_robin') {
      steps = [{ fleetId: fleet.id, position: 0, status: 'pending', input: data.task }];
    } else {
      steps = agents.map((agent, position) => ({
        fleetId: fleet.id,
        position,
        agent: { connect: { id: agent.id } },
        agentName: agent.name,
        status: strategy === 'sequential' && position > 0 ? 'waiting' : 'pending',
        input: strategy === 'sequential' && position > 0 ? null : data.task,
      }));
    }
    const created = await tx.fleetRun.create({
      data: {
        fleetId: fleet.id,
        accountId: ctx.tenant.accountId,
        livemode: ctx.tenant.livemode,
        task: data.task,
        strategy,
        timeoutSeconds: data.timeout,
        deadlineAt: new Date(Date.now() + data.timeout * 1000),
        scopes: principal.scopes,
        credential: { kind: principal.credential.kind, id: principal.credential.id },
        steps: { create: steps },
      },
      include: withSteps,
    });
    await tx.fleet.update({ where: { id: fleet.id }, data: { status: 'running' } });
    await recordEvent(tx, ctx.tenant, 'fleet.deployed', {
      fleet_id: fleet.id,
      fleet_name: fleet.name,
      run_id: created.id,
      task: created.task,
      strategy: data.strategy,
      agent_count: agents.length,
    } satisfies FleetDeployedData);

    return created;
  });
  ctx.log.info({ fleetId: fleet.id, runId: run.id, strategy: data.strategy, steps: run.steps.length }, 'queued fleet run');
  fleetWorkQueued.emit('queued');

  return run;
}

/** Reads a run of one of the tenant's fleets; a run of another fleet is "not found". */
export async function getFleetRun(ctx: ServiceContext, fleetId: string | number, runId: string | number): Promise<FleetRunWithSteps> {
  const fleet = await getFleet(ctx, fleetId);
  const id = parseDatabaseId(runId);
  const run = id === undefined ? null : await ctx.prisma.fleetRun.findFirst({ where: { id, fleetId: fleet.id }, include: withSteps });
  if (run === null) {
    throw notFound('Fleet run', runId);
  }

  return run;
}

/** Reads a run by id alone, within the tenant, for GraphQL. */
export async function getRunOfTenant(ctx: ServiceContext, runId: number): Promise<FleetRunWithSteps | null> {
  return ctx.prisma.fleetRun.findFirst({
    where: { id: runId, accountId: ctx.tenant.accountId, livemode: ctx.tenant.livemode },
    include: withSteps,
  });
}

/** Lists a fleet's runs, newest first, for offset pagination. */
export async function listFleetRuns(
  ctx: ServiceContext,
  fleetId: string | number,
  page: { offset: number; limit: number },
): Promise<{ runs: FleetRunWithSteps[]; total: number }> {
  const fleet = await getFleet(ctx, fleetId);
  const where = { fleetId: fleet.id };
  const [runs, total] = await ctx.prisma.$transaction([
    ctx.prisma.fleetRun.findMany({ where, orderBy: { id: 'desc' }, skip: page.offset, take: page.limit, include: withSteps }),
    ctx.prisma.fleetRun.count({ where }),
  ]);

  return { runs, total };
}

function alreadyEnded(run: FleetRun): AppError {
  return new AppError(ErrorCode.Conflict, `Fleet run ${run.id} already ended with status ${run.status}; only queued or running runs can be cancelled`);
}

/**
 * Cancels a queued or running run: steps not yet done are marked `cancelled`, and workers
 * running its steps stop them at their next poll. A run that already ended is a conflict.
 */
export async function cancelFleetRun(ctx: ServiceContext, fleetId: string | number, runId: string | number): Promise<FleetRunWithSteps> {
  const run = await getFleetRun(ctx, fleetId, runId);
  if (!activeRunStatuses.includes(run.status)) {
    throw alreadyEnded(run);
  }
  const cancelled = await ctx.prisma.$transaction((tx) =>
    finishRun(tx, run.id, 'cancelled', { code: null, message: 'The run was cancelled on request' }),
  );
  if (!cancelled) {
    // A worker or another cancel ended the run between the read above and the update.
    throw alreadyEnded(await getFleetRun(ctx, fleetId, runId));
  }
  ctx.log.info({ fleetId: run.fleetId, runId: run.id }, 'cancelled fleet run');
  notifyRunChanged(run.id);
  fleetWorkQueued.emit('queued');

  return getFleetRun(ctx, fleetId, runId);
}
