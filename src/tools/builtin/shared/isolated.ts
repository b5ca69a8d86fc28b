import { Worker } from 'node:worker_threads';
import { ToolError } from '../../definition.js';

export interface IsolatedOptions {
  /** What the run is, for error messages, such as "JMESPath expression". */
  label: string;
  timeoutMs: number;
  /** Heap of the worker, in MiB; a run that needs more ends with a ToolError. */
  heapMb: number;
  signal: AbortSignal;
  /** Module specifiers the source may `require`, resolved to paths it receives in `workerData.modules`. */
  modules?: Record<string, string>;
}

/**
 * Runs CommonJS `source` in a fresh worker thread with its own heap limit and a time
 * limit, so that input which makes a library loop or allocate without bound costs the
 * worker, not the server's thread. The source reads `workerData.input` and posts
 * `{ ok: true, value }` or `{ ok: false, message }`; a failure becomes a ToolError.
 */
export async function runIsolated(source: string, input: unknown, options: IsolatedOptions): Promise<unknown> {
  options.signal.throwIfAborted();
  const worker = new Worker(source, {
    eval: true,
    workerData: { input, modules: options.modules ?? {} },
    resourceLimits: { maxOldGenerationSizeMb: options.heapMb, maxYoungGenerationSizeMb: 16 },
  });

  return new Promise<unknown>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) {
        return;
      }
      settled = true;
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
      void worker.terminate();
      outcome();
    };
    const onAbort = () => finish(() => reject(options.signal.reason));
    const timer = setTimeout(
      () => finish(() => reject(new ToolError(`${options.label} did not finish within ${options.timeoutMs} ms`))),
      options.timeoutMs,
    );
    options.signal.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (reply: { ok: true; value: unknown } | { ok: false; message: string }) =>
      finish(() => (reply.ok ? resolve(reply.value) : reject(new ToolError(reply.message)))),
    );
    worker.once('error', (error: Error & { code?: string }) =>
      finish(() =>
        reject(
          error.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? new ToolError(`${options.label} needs more than ${options.heapMb} MB of memory`)
            : error,
        ),
      ),
    );
    worker.once('exit', (code) => finish(() => reject(new Error(`worker for ${options.label} exited with code ${code}`))));
  });
}
