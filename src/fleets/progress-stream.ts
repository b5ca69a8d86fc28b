import type { ServiceContext } from '../context.js';
import type { FleetRunStep } from '../generated/prisma/client.js';
import type { FleetStepStatus } from '../generated/prisma/enums.js';
import { runChanged } from './progress.js';
import { getRunOfTenant, type FleetRunWithSteps } from './runs.js';

export interface RunProgress {
  type: 'STEP_STARTED' | 'STEP_FINISHED' | 'RUN_FINISHED';
  run: FleetRunWithSteps;
  step: FleetRunStep | null;
}

const finishedStepStatuses: FleetStepStatus[] = ['succeeded', 'failed', 'cancelled', 'timed_out'];

/**
 * Yields a run's progress by comparing snapshots of its steps. A change made on this
 * instance triggers a snapshot at once; changes made by other instances are seen at the
 * next poll, every `pollIntervalMs`. The stream ends after `RUN_FINISHED`.
 */
export async function* watchRunProgress(
  ctx: ServiceContext,
  runId: number,
  pollIntervalMs: number,
): AsyncGenerator<RunProgress> {
  const seen = new Map<number, FleetStepStatus>();
  let changed = false;
  let wake: (() => void) | undefined;
  const listener = (id: number) => {
    if (id === runId) {
      changed = true;
      wake?.();
    }
  };
  runChanged.on('changed', listener);
  try {
    for (;;) {
      changed = false;
      const run = await getRunOfTenant(ctx, runId);
      if (run === null) {
        return;
      }
      for (const step of run.steps) {
        const before = seen.get(step.id);
        seen.set(step.id, step.status);
        if (before === step.status) {
          continue;
        }
        const startedNow = step.startedAt !== null && (before === undefined || before === 'pending' || before === 'waiting');
        if (startedNow && (step.status === 'running' || step.attempts > 0)) {
          yield { type: 'STEP_STARTED', run, step };
        }
        if (finishedStepStatuses.includes(step.status)) {
          yield { type: 'STEP_FINISHED', run, step };
        }
      }
      if (run.status !== 'queued' && run.status !== 'running') {
        yield { type: 'RUN_FINISHED', run, step: null };

        return;
      }
      if (!changed) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, pollIntervalMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
    }
  } finally {
    runChanged.off('changed', listener);
  }
}
