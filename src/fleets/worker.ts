import { runAgentTask } from '../agents/runs.js';
import type { Principal } from '../auth/principal.js';
import { defaultModelName } from '../config.js';
import type { ServiceContext } from '../context.js';
import { AppError, ErrorCode } from '../errors.js';
import { createPoller, type Poller } from '../events/poller.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { resolveModel, type ModelRuntime } from '../llm/models.js';
import { skillTools } from '../llm/tools.js';
import type { Logger } from '../logger.js';
import type { ToolRuntime } from '../tools/service.js';
import { fleetWorkQueued } from './progress.js';
import {
  claimAssignedSteps,
  claimRoundRobinSteps,
  failAbandonedSteps,
  removeIdleAutoScaledAgents,
  renewLease,
  settleStep,
  stepsToStop,
  timeOutRuns,
  type ClaimedStep,
  type QueueSettings,
  type StepOutcome,
} from './queue.js';

export interface FleetWorkerOptions extends QueueSettings {
  prisma: PrismaClient;
  log: Logger;
  models: ModelRuntime;
  tools: ToolRuntime;
  pollIntervalMs: number;
  /** Steps this instance runs at once. */
  concurrency: number;
}

/** The reason a worker stopped a step before it finished. */
type StopReason = 'timed_out' | 'superseded' | 'shutdown';

interface InFlight {
  step: ClaimedStep;
  controller: AbortController;
  reason: StopReason | undefined;
  done: Promise<void>;
}

/**
 * Creates the fleet worker. It leases steps of fleet runs from the database queue, up to
 * `concurrency` at a time. It runs each on its agent through the agent run path (model
 * loop, tools, agent run record and events) and records the result. Each poll also times out
 * runs past their deadline, stops local steps whose run was cancelled or timed out, fails
 * steps that crashed their server on every attempt and removes idle auto-scaled agents.
 */
export function createFleetWorker(options: FleetWorkerOptions): Poller {
  const { prisma, log } = options;
  const inFlight = new Map<number, InFlight>();
  let stopping = false;

  function stop(entry: InFlight, reason: StopReason): void {
    entry.reason ??= reason;
    entry.controller.abort(new DOMException(`fleet step stopped: ${reason}`, 'AbortError'));
  }

  async function execute(entry: InFlight): Promise<StepOutcome | undefined> {
    const { step } = entry;
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const run = await prisma.fleetRun.findUnique({
      where: { id: step.runId },
      include: { account: { select: { plan: true } } },
    });
    const row = await prisma.fleetRunStep.findUnique({ where: { id: step.id } });
    if (run === null || row === null) {
      // The fleet was deleted with its runs while the step was claimed.
      return undefined;
    }
    if (step.interrupted) {
      log.warn({ stepId: step.id, runId: run.id, attempt: step.attempt }, 'retrying a fleet step that a stopped server left unfinished');
    }
    const agent =
      step.agentId === null
        ? null
        : await prisma.agent.findFirst({ where: { id: step.agentId, accountId: run.accountId, livemode: run.livemode } });
    if (agent === null) {
      return {
        status: 'failed',
        executionTimeMs: 0,
        errorCode: ErrorCode.ResourceNotFound,
        errorMessage:
          row.agentName === null ? "The step's agent was deleted before it ran" : `Agent ${row.agentName} was deleted before the step ran`,
      };
    }
    const deadline = setTimeout(() => stop(entry, 'timed_out'), Math.max(0, run.deadlineAt.getTime() - Date.now()));
    try {
      const tenant = { accountId: run.accountId, livemode: run.livemode };
      const ctx: ServiceContext = { prisma, tenant, log, plan: run.account.plan };
      // NOTE: steps act with the scopes the credential had at deploy time, so revoking the
      // key does not stop the tools of a run that is already queued; cancel the run for that.
      const principal: Principal = {
        ...tenant,
        plan: run.account.plan,
        scopes: run.scopes,
        credential: run.credential as unknown as Principal['credential'],
      };
      const runtime = { principal, tools: options.tools, models: options.models };
      const model = resolveModel(options.models, defaultModelName, 'Fleet runs');
      const tools = await skillTools({ ctx, principal, runtime: options.tools }, agent.skills, agent.id);
      const result = await runAgentTask(ctx, runtime, agent, {
        model,
        tools,
        message: row.input ?? run.task,
        signal: entry.controller.signal,
      });

      return { status: 'succeeded', reply: result.reply, toolsUsed: result.toolsUsed, executionTimeMs: result.executionTimeMs };
    } catch (error) {
      if (entry.reason !== undefined) {
        return undefined;
      }
      if (error instanceof AppError) {
        return { status: 'failed', executionTimeMs: elapsed(), errorCode: error.code, errorMessage: error.message };
      }
      log.error({ err: error, stepId: step.id, runId: step.runId }, 'fleet step failed unexpectedly');

      return {
        status: 'failed',
        executionTimeMs: elapsed(),
        errorCode: ErrorCode.InternalError,
        errorMessage: 'The step failed with an internal error; the server log has the details',
      };
    } finally {
      clearTimeout(deadline);
    }
  }

  async function runStep(entry: InFlight): Promise<void> {
    const { step } = entry;
    // Renewing at a third of the lease leaves two chances before another worker may take it.
    const heartbeat = setInterval(() => {
      renewLease(prisma, step, options.leaseMs).then(
        (held) => {
          if (!held) {
            stop(entry, 'superseded');
          }
        },
        (error: unknown) => log.warn({ err: error, stepId: step.id }, 'could not renew the lease of a fleet step'),
      );
    }, Math.max(10, Math.floor(options.leaseMs / 3)));
    try {
      const outcome = await execute(entry);
      if (entry.reason === 'timed_out') {
        // The run's deadline passed: ending the run marks every unfinished step of it.
        await timeOutRuns(prisma, log);
      } else if (entry.reason === 'shutdown') {
        // Ends the lease now, so that another instance retries the step without waiting.
        await prisma.fleetRunStep.updateMany({
          where: { id: step.id, status: 'running', attempts: step.attempt },
          data: { leaseExpiresAt: new Date() },
        });
      } else if (outcome !== undefined) {
        const result = await settleStep(prisma, step, outcome);
        log.info(
          { stepId: step.id, runId: step.runId, agentId: step.agentId, status: outcome.status, result, executionTimeMs: outcome.executionTimeMs },
          'fleet step finished',
        );
      }
    } finally {
      clearInterval(heartbeat);
    }
  }

  function track(step: ClaimedStep): void {
    const entry: InFlight = { step, controller: new AbortController(), reason: undefined, done: Promise.resolve() };
    entry.done = runStep(entry)
      .catch((error: unknown) => {
        // The step stays leased; when the lease runs out another attempt follows.
        log.error({ err: error, stepId: step.id, runId: step.runId }, 'could not record a fleet step');
      })
      .finally(() => {
        inFlight.delete(step.id);
        poller.wake();
      });
    inFlight.set(step.id, entry);
  }

  const poller = createPoller({
    name: 'fleet runs',
    intervalMs: options.pollIntervalMs,
    log,
    async tick() {
      if (stopping) {
        return false;
      }
      await timeOutRuns(prisma, log);
      await failAbandonedSteps(prisma, options, log);
      const entries = [...inFlight.values()];
      const stale = await stepsToStop(prisma, entries.map((entry) => entry.step));
      for (const entry of entries) {
        if (stale.has(entry.step.id)) {
          stop(entry, 'superseded');
        }
      }
      await removeIdleAutoScaledAgents(prisma, log);
      const free = options.concurrency - inFlight.size;
      if (free <= 0) {
        return false;
      }
      const claimed = await claimAssignedSteps(prisma, free, options);
      claimed.push(...(await claimRoundRobinSteps(prisma, free - claimed.length, options, log)));
      for (const step of claimed) {
        track(step);
      }

      return claimed.length === free;
    },
  });
  const wake = () => poller.wake();

  return {
    start() {
      stopping = false;
      fleetWorkQueued.on('queued', wake);
      poller.start();
    },
    wake,
    async stop() {
      stopping = true;
      fleetWorkQueued.off('queued', wake);
      await poller.stop();
      const entries = [...inFlight.values()];
      for (const entry of entries) {
        stop(entry, 'shutdown');
      }
      await Promise.allSettled(entries.map((entry) => entry.done));
    },
  };
}
