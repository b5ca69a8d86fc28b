import type { FleetRunStatus, FleetStepStatus } from '../generated/prisma/enums.js';
import type { Agent, Prisma, PrismaClient } from '../generated/prisma/client.js';
import type { Logger } from '../logger.js';
import { plans } from '../usage/plans.js';
import { notifyRunChanged } from './progress.js';

/** A step that a worker has leased for one attempt. */
export interface ClaimedStep {
  id: number;
  runId: number;
  agentId: number | null;
  /** The number of this attempt; it fences the lease against a worker whose lease ran out. */
  attempt: number;
  /** True when an earlier lease ran out without a result, as after a crash. */
  interrupted: boolean;
}

/** The result of a step, as the worker reports it. */
export interface StepOutcome {
  status: Extract<FleetStepStatus, 'succeeded' | 'failed' | 'cancelled' | 'timed_out'>;
  reply?: string;
  toolsUsed?: string[];
  executionTimeMs: number;
  errorCode?: string;
  errorMessage?: string;
}

export interface QueueSettings {
  leaseMs: number;
  /** Attempts of a step, counting those a crash interrupted, before it is marked failed. */
  maxAttempts: number;
  /** The maximum number of agents that auto-scaling lets a fleet reach. */
  autoScaleMaxAgents: number;
}

type Transaction = Prisma.TransactionClient;

const terminalStepStatuses: FleetStepStatus[] = ['succeeded', 'failed', 'cancelled', 'timed_out'];

/** Builds the message an agent receives in a sequential run: the task, then the output before it. */
export function handoverMessage(task: string, previous: { agentName: string | null; reply: string }): string {
  return [
    task,
    '',
    `The previous agent in the fleet (${previous.agentName ?? 'a removed agent'}) produced this output; build on it:`,
    '',
    previous.reply,
  ].join('\n');
}

/**
 * Marks runs that queued work as started. Runs are `queued` until their first step is
 * claimed.
 */
async function markRunsStarted(db: Transaction | PrismaClient, runIds: number[]): Promise<void> {
  if (runIds.length === 0) {
    return;
  }
  await db.fleetRun.updateMany({
    where: { id: { in: runIds }, status: 'queued' },
    data: { status: 'running', startedAt: new Date() },
  });
}

/**
 * Leases up to `limit` steps that need no round-robin hand-out: pending steps of parallel
 * and sequential runs, round-robin steps already handed out, and running steps whose lease
 * ran out. `FOR UPDATE SKIP LOCKED` lets several instances claim at once without
 * taking the same row, and the lease, not an open transaction, keeps a step from running
 * twice at once. Times come from the database clock, which all instances share.
 */
export async function claimAssignedSteps(prisma: PrismaClient, limit: number, settings: QueueSettings): Promise<ClaimedStep[]> {
  if (limit <= 0) {
    return [];
  }
  const rows = await prisma.$queryRaw<
    { id: number; runId: number; agentId: number | null; attempts: number; previousStatus: string }[]
  >`
    WITH due AS (
      SELECT step.id, step.status AS previous_status
      FROM fleet_run_steps AS step
      JOIN fleet_runs AS run ON run.id = step.run_id
      WHERE run.status IN ('queued', 'running')
        AND (
          (step.status = 'pending' AND (run.strategy <> 'round_robin' OR step.agent_id IS NOT NULL))
          -- A step whose agent was deleted during the lost attempt is taken too, and fails.
          OR (step.status = 'running' AND step.lease_expires_at <= now())
        )
        AND step.attempts < ${settings.maxAttempts}
      ORDER BY step.id
      LIMIT ${limit}
      FOR UPDATE OF step SKIP LOCKED
    )
    UPDATE fleet_run_steps AS step
    SET status = 'running',
        attempts = step.attempts + 1,
        lease_expires_at = now() + ${settings.leaseMs}::integer * interval '1 millisecond',
        started_at = COALESCE(step.started_at, now())
    FROM due
    WHERE step.id = due.id
    RETURNING step.id, step.run_id AS "runId", step.agent_id AS "agentId", step.attempts,
      due.previous_status::text AS "previousStatus"`;
  await markRunsStarted(prisma, [...new Set(rows.map((row) => row.runId))]);

  return rows.map((row) => ({
    id: row.id,
    runId: row.runId,
    agentId: row.agentId,
    attempt: row.attempts,
    interrupted: row.previousStatus === 'running',
  }));
}

interface FleetAgent {
  id: number;
  name: string;
}

/**
 * Picks the agent that takes the next round-robin task of a fleet: the one after the
 * agent that took the last task, in id order, wrapping around. Returns `'busy'` when that
 * agent is still working, so that tasks keep their turn order and each agent works on one
 * task at a time, and `undefined` for a fleet without agents.
 */
export function nextInTurn(agents: readonly FleetAgent[], lastAgentId: number | null, busy: ReadonlySet<number>): FleetAgent | 'busy' | undefined {
  if (agents.length === 0) {
    return undefined;
  }
  const next = agents.find((agent) => lastAgentId === null || agent.id > lastAgentId) ?? agents[0]!;

  return busy.has(next.id) ? 'busy' : next;
}

/**
 * Hands pending round-robin steps to agents and leases them. Each fleet's row is locked
 * while its steps are handed out, so that instances take turns per fleet and the rotation
 * stays in order. When the agent whose turn it is is busy and the fleet auto-scales, a
 * copy of the fleet's first agent joins and takes the task. The copy is made only below
 * the operator's ceiling and the plan's agent quota. Otherwise the task waits for its agent.
 */
export async function claimRoundRobinSteps(
  prisma: PrismaClient,
  limit: number,
  settings: QueueSettings,
  log: Logger,
): Promise<ClaimedStep[]> {
  if (limit <= 0) {
    return [];
  }
  const fleets = await prisma.$queryRaw<{ fleetId: number }[]>`
    SELECT DISTINCT step.fleet_id AS "fleetId"
    FROM fleet_run_steps AS step
    JOIN fleet_runs AS run ON run.id = step.run_id
    WHERE step.status = 'pending' AND step.agent_id IS NULL AND run.strategy = 'round_robin'
      AND run.status IN ('queued', 'running')`;
  const claimed: ClaimedStep[] = [];
  for (const { fleetId } of fleets) {
    if (claimed.length >= limit) {
      break;
    }
    const batch = await prisma.$transaction((tx) =>
      assignFleetSteps(tx, fleetId, limit - claimed.length, settings, log),
    );
    claimed.push(...batch);
  }

  return claimed;
}

async function assignFleetSteps(
  tx: Transaction,
  fleetId: number,
  limit: number,
  settings: QueueSettings,
  log: Logger,
): Promise<ClaimedStep[]> {
  const [fleet] = await tx.$queryRaw<
    { id: number; accountId: number; livemode: boolean; autoScale: boolean; lastAgentId: number | null }[]
  >`
    SELECT id, account_id AS "accountId", livemode, auto_scale AS "autoScale", last_agent_id AS "lastAgentId"
    FROM fleets WHERE id = ${fleetId} FOR UPDATE`;
  if (fleet === undefined) {
    return [];
  }
  const steps = await tx.$queryRaw<{ id: number; runId: number }[]>`
    SELECT step.id, step.run_id AS "runId"
    FROM fleet_run_steps AS step
    JOIN fleet_runs AS run ON run.id = step.run_id
    WHERE step.fleet_id = ${fleetId} AND step.status = 'pending' AND step.agent_id IS NULL
      AND run.strategy = 'round_robin' AND run.status IN ('queued', 'running')
    ORDER BY step.id
    LIMIT ${limit}
    FOR UPDATE OF step SKIP LOCKED`;
  if (steps.length === 0) {
    return [];
  }
  const agents = await tx.agent.findMany({
    where: { fleetId },
    orderBy: { id: 'asc' },
    select: { id: true, name: true, role: true, task: true, skills: true, voiceEnabled: true, voiceEngine: true },
  });
  const running = await tx.fleetRunStep.findMany({
    where: { status: 'running', agentId: { in: agents.map((agent) => agent.id) } },
    select: { agentId: true },
  });
  const busy = new Set(running.map((step) => step.agentId!));
  let lastAgentId = fleet.lastAgentId;
  const claimed: ClaimedStep[] = [];
  for (const step of steps) {
    let agent: FleetAgent | 'busy' | undefined = nextInTurn(agents, lastAgentId, busy);
    if (agent === 'busy' && fleet.autoScale) {
      const clone = await addAutoScaledAgent(tx, fleet, agents, settings);
      if (clone !== undefined) {
        agents.push(clone);
        agent = clone;
        log.info({ fleetId, agentId: clone.id, agents: agents.length }, 'auto-scaling added an agent to the fleet');
      }
    }
    if (agent === undefined || agent === 'busy') {
      break;
    }
    const [leased] = await tx.$queryRaw<{ attempts: number }[]>`
      UPDATE fleet_run_steps
      SET agent_id = ${agent.id}, agent_name = ${agent.name}, status = 'running', attempts = attempts + 1,
        lease_expires_at = now() + ${settings.leaseMs}::integer * interval '1 millisecond',
        started_at = COALESCE(started_at, now())
      WHERE id = ${step.id}
      RETURNING attempts`;
    busy.add(agent.id);
    lastAgentId = agent.id;
    claimed.push({ id: step.id, runId: step.runId, agentId: agent.id, attempt: leased!.attempts, interrupted: false });
  }
  if (claimed.length > 0) {
    await tx.fleet.update({ where: { id: fleetId }, data: { lastAgentId } });
    await markRunsStarted(tx, [...new Set(claimed.map((step) => step.runId))]);
  }

  return claimed;
}

type TemplateAgent = FleetAgent & Pick<Agent, 'role' | 'task' | 'skills' | 'voiceEnabled' | 'voiceEngine'>;

/** Adds a copy of the fleet's first agent, unless the ceiling or the plan's allowance is reached. */
async function addAutoScaledAgent(
  tx: Transaction,
  fleet: { id: number; accountId: number; livemode: boolean },
  agents: readonly TemplateAgent[],
  settings: QueueSettings,
): Promise<TemplateAgent | undefined> {
  const template = agents[0];
  if (template === undefined || agents.length >= settings.autoScaleMaxAgents) {
    return undefined;
  }
  const account = await tx.account.findUnique({ where: { id: fleet.accountId }, select: { plan: true } });
  const allowance = account === null ? 0 : plans[account.plan].quotas.agentsActive;
  if (allowance !== null) {
    const owned = await tx.agent.count({ where: { accountId: fleet.accountId, livemode: fleet.livemode } });
    if (owned >= allowance) {
      return undefined;
    }
  }
  return tx.agent.create({
    data: {
      accountId: fleet.accountId,
      livemode: fleet.livemode,
      // The number is the agent's place in the fleet, which distinguishes copies in run steps.
      name: `${template.name} (auto-scaled #${agents.length + 1})`,
      role: template.role,
      task: template.task,
      skills: template.skills,
      voiceEnabled: template.voiceEnabled,
      voiceEngine: template.voiceEngine,
      fleetId: fleet.id,
      autoScaled: true,
    },
    select: { id: true, name: true, role: true, task: true, skills: true, voiceEnabled: true, voiceEngine: true },
  });
}

/**
 * Removes auto-scaled agents that have no step running or pending, in fleets with no
 * round-robin task waiting for an agent. Each fleet's row is locked first, so that no
 * instance hands a task to an agent that is being removed.
 */
export async function removeIdleAutoScaledAgents(prisma: PrismaClient, log: Logger): Promise<number> {
  const candidates = await prisma.$queryRaw<{ id: number; fleetId: number }[]>`
    SELECT agent.id, agent.fleet_id AS "fleetId" FROM agents AS agent
    WHERE agent.auto_scaled AND agent.fleet_id IS NOT NULL
      AND NOT EXISTS (
        SELECT 1 FROM fleet_run_steps AS step WHERE step.agent_id = agent.id AND step.status IN ('pending', 'running'))
      AND NOT EXISTS (
        SELECT 1 FROM fleet_run_steps AS step
        WHERE step.fleet_id = agent.fleet_id AND step.status = 'pending' AND step.agent_id IS NULL)`;
  let removed = 0;
  for (const candidate of candidates) {
    const count = await prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT id FROM fleets WHERE id = ${candidate.fleetId} FOR UPDATE`;

      return tx.$executeRaw`
        DELETE FROM agents AS agent
        WHERE agent.id = ${candidate.id} AND agent.auto_scaled AND agent.fleet_id = ${candidate.fleetId}
          AND NOT EXISTS (
            SELECT 1 FROM fleet_run_steps AS step WHERE step.agent_id = agent.id AND step.status IN ('pending', 'running'))
          AND NOT EXISTS (
            SELECT 1 FROM fleet_run_steps AS step
            WHERE step.fleet_id = agent.fleet_id AND step.status = 'pending' AND step.agent_id IS NULL)`;
    });
    if (count > 0) {
      removed += 1;
      log.info({ fleetId: candidate.fleetId, agentId: candidate.id }, 'auto-scaling removed an idle agent from the fleet');
    }
  }

  return removed;
}

/** Extends the lease of a running step; false when the worker no longer holds it. */
export async function renewLease(prisma: PrismaClient, step: ClaimedStep, leaseMs: number): Promise<boolean> {
  const count = await prisma.$executeRaw`
    UPDATE fleet_run_steps SET lease_expires_at = now() + ${leaseMs}::integer * interval '1 millisecond'
    WHERE id = ${step.id} AND status = 'running' AND attempts = ${step.attempt}`;

  return count > 0;
}

/** The steps among `steps` that their worker should stop: no longer running under its lease. */
export async function stepsToStop(prisma: PrismaClient, steps: readonly ClaimedStep[]): Promise<Set<number>> {
  if (steps.length === 0) {
    return new Set();
  }
  const rows = await prisma.fleetRunStep.findMany({
    where: { id: { in: steps.map((step) => step.id) } },
    select: { id: true, status: true, attempts: true },
  });
  const current = new Map(rows.map((row) => [row.id, row]));

  return new Set(
    steps
      .filter((step) => {
        const row = current.get(step.id);

        return row === undefined || row.status !== 'running' || row.attempts !== step.attempt;
      })
      .map((step) => step.id),
  );
}

/**
 * Records the end of a step and moves its run on, in one transaction: a sequential run
 * hands the reply to the next step, and a run whose steps are all done finishes. A worker
 * whose lease ran out, or whose run was cancelled, timed out or deleted meanwhile, only
 * learns that its result was superseded.
 */
export async function settleStep(
  prisma: PrismaClient,
  step: ClaimedStep,
  outcome: StepOutcome,
): Promise<'recorded' | 'superseded'> {
  const result = await prisma.$transaction(async (tx) => {
    const [run] = await tx.$queryRaw<{ id: number; status: FleetRunStatus }[]>`
      SELECT id, status FROM fleet_runs WHERE id = ${step.runId} FOR UPDATE`;
    const { count } = await tx.fleetRunStep.updateMany({
      where: { id: step.id, status: 'running', attempts: step.attempt },
      data: {
        status: outcome.status,
        reply: outcome.reply ?? null,
        toolsUsed: outcome.toolsUsed ?? [],
        executionTimeMs: outcome.executionTimeMs,
        errorCode: outcome.errorCode ?? null,
        errorMessage: outcome.errorMessage ?? null,
        leaseExpiresAt: null,
        finishedAt: new Date(),
      },
    });
    if (count === 0 || run === undefined) {
      return 'superseded' as const;
    }
    if (run.status === 'queued' || run.status === 'running') {
      await advanceRun(tx, step.runId);
    }

    return 'recorded' as const;
  });
  notifyRunChanged(step.runId);

  return result;
}

/**
 * Moves a run on after one of its steps ended. Sequential: the next step gets the reply
 * and becomes pending, or a failure ends the run and skips the rest. Parallel and
 * round-robin: the run ends once no step is left to do.
 */
async function advanceRun(tx: Transaction, runId: number): Promise<void> {
  const run = await tx.fleetRun.findUniqueOrThrow({
    where: { id: runId },
    include: { steps: { orderBy: { position: 'asc' } } },
  });
  const failed = run.steps.find((step) => step.status === 'failed' || step.status === 'timed_out');
  if (run.strategy === 'sequential') {
    if (failed !== undefined) {
      await tx.fleetRunStep.updateMany({
        where: { runId, status: { in: ['waiting', 'pending'] } },
        data: {
          status: 'cancelled',
          errorMessage: `Skipped because step ${failed.position} (agent ${failed.agentName ?? 'removed'}) did not succeed`,
          finishedAt: new Date(),
        },
      });
      await finishRun(tx, runId, 'failed', { code: failed.errorCode, message: stepFailureMessage(failed) });

      return;
    }
    const next = run.steps.find((step) => step.status === 'waiting');
    const last = [...run.steps].reverse().find((step) => step.status === 'succeeded');
    if (next !== undefined && last !== undefined) {
      await tx.fleetRunStep.update({
        where: { id: next.id },
        data: { status: 'pending', input: handoverMessage(run.task, { agentName: last.agentName, reply: last.reply ?? '' }) },
      });

      return;
    }
  }
  if (run.steps.some((step) => !terminalStepStatuses.includes(step.status))) {
    return;
  }
  if (failed !== undefined) {
    await finishRun(tx, runId, 'failed', { code: failed.errorCode, message: stepFailureMessage(failed) });

    return;
  }
  const last = run.steps.at(-1);
  await finishRun(tx, runId, 'succeeded', undefined, run.strategy === 'parallel' ? null : (last?.reply ?? null));
}

function stepFailureMessage(step: { position: number; agentName: string | null; errorMessage: string | null }): string {
  return `Step ${step.position} (agent ${step.agentName ?? 'removed'}) failed: ${step.errorMessage ?? 'no reason was recorded'}`;
}

/**
 * Ends a run that is still queued or running: marks it, settles the fleet's status and,
 * for a run that succeeded, counts the finished task. A cancelled or timed-out run marks
 * its unfinished steps with its own status. Returns false when the run had already ended.
 */
export async function finishRun(
  tx: Transaction,
  runId: number,
  status: Extract<FleetRunStatus, 'succeeded' | 'failed' | 'cancelled' | 'timed_out'>,
  error: { code: string | null; message: string } | undefined,
  output: string | null = null,
): Promise<boolean> {
  const [run] = await tx.$queryRaw<{ fleetId: number }[]>`
    UPDATE fleet_runs
    SET status = ${status}::"FleetRunStatus", finished_at = now(), output = ${output},
      error_code = ${error?.code ?? null}, error_message = ${error?.message ?? null}
    WHERE id = ${runId} AND status IN ('queued', 'running')
    RETURNING fleet_id AS "fleetId"`;
  if (run === undefined) {
    return false;
  }
  if (status === 'cancelled' || status === 'timed_out') {
    const message =
      status === 'cancelled' ? 'The run was cancelled before this step finished' : 'The run timed out before this step finished';
    await tx.fleetRunStep.updateMany({
      where: { runId, status: { notIn: terminalStepStatuses } },
      data: { status, errorMessage: message, leaseExpiresAt: null, finishedAt: new Date() },
    });
  }
  await tx.$queryRaw`SELECT id FROM fleets WHERE id = ${run.fleetId} FOR UPDATE`;
  const stillActive = await tx.fleetRun.count({ where: { fleetId: run.fleetId, status: { in: ['queued', 'running'] } } });
  await tx.fleet.update({
    where: { id: run.fleetId },
    data: {
      ...(status === 'succeeded' ? { tasksCompleted: { increment: 1 } } : {}),
      ...(stillActive === 0 ? { status: 'active' } : {}),
    },
  });

  return true;
}

/** Ends runs past their deadline, marking their unfinished steps `timed_out`. */
export async function timeOutRuns(prisma: PrismaClient, log: Logger): Promise<number> {
  const due = await prisma.fleetRun.findMany({
    where: { status: { in: ['queued', 'running'] }, deadlineAt: { lte: new Date() } },
    select: { id: true, fleetId: true, timeoutSeconds: true },
    take: 100,
  });
  let count = 0;
  for (const run of due) {
    const ended = await prisma.$transaction((tx) =>
      finishRun(tx, run.id, 'timed_out', {
        code: null,
        message: `The run passed its timeout of ${run.timeoutSeconds} s; its remaining work was cancelled`,
      }),
    );
    if (ended) {
      count += 1;
      notifyRunChanged(run.id);
      log.warn({ runId: run.id, fleetId: run.fleetId, timeoutSeconds: run.timeoutSeconds }, 'fleet run timed out');
    }
  }

  return count;
}

/**
 * Fails steps whose lease ran out on their last allowed attempt, so that a step that
 * keeps crashing its server is reported instead of retried forever.
 */
export async function failAbandonedSteps(prisma: PrismaClient, settings: QueueSettings, log: Logger): Promise<number> {
  const abandoned = await prisma.fleetRunStep.findMany({
    where: { status: 'running', leaseExpiresAt: { lte: new Date() }, attempts: { gte: settings.maxAttempts } },
    select: { id: true, runId: true, attempts: true },
    take: 100,
  });
  for (const step of abandoned) {
    await settleStep(prisma, { id: step.id, runId: step.runId, agentId: null, attempt: step.attempts, interrupted: true }, {
      status: 'failed',
      executionTimeMs: 0,
      errorCode: 'internal_error',
      errorMessage: `The server stopped during each of the step's ${step.attempts} attempts, so it was not retried again`,
    });
    log.error({ stepId: step.id, runId: step.runId, attempts: step.attempts }, 'fleet step abandoned after repeated interruptions');
  }

  return abandoned.length;
}
