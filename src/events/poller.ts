import type { Logger } from '../logger.js';

/** A background loop that runs `tick` every interval, and at once when woken. */
export interface Poller {
  start(): void;
  /** Runs a tick as soon as the current one, if any, has finished. */
  wake(): void;
  /** Stops the timer and waits for the tick in progress. */
  stop(): Promise<void>;
}

export interface PollerOptions {
  /** Names the loop in log lines. */
  name: string;
  intervalMs: number;
  log: Logger;
  /** One round of work; resolves to true when more is waiting, which runs it again at once. */
  tick(): Promise<boolean>;
}

/** Repeated failures, such as a database outage, are logged once a minute with a count. */
const failureLogIntervalMs = 60_000;

/**
 * Creates a poller. Ticks never overlap: a wake-up during a tick runs one more tick after
 * it, so work that arrives while the loop is busy still goes out without waiting a full
 * interval.
 */
export function createPoller(options: PollerOptions): Poller {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = true;
  let failures = 0;
  let lastFailureLog = 0;

  function schedule(delayMs: number): void {
    clearTimeout(timer);
    if (!stopped) {
      timer = setTimeout(run, delayMs);
      timer.unref();
    }
  }

  async function runTicks(): Promise<void> {
    let more = true;
    while (more && !stopped) {
      again = false;
      try {
        more = (await options.tick()) || again;
        failures = 0;
      } catch (error) {
        failures += 1;
        more = false;
        const now = Date.now();
        if (now - lastFailureLog >= failureLogIntervalMs) {
          lastFailureLog = now;
          options.log.error({ err: error, loop: options.name, failures }, 'background loop failed; retrying at the next poll');
        }
      }
    }
  }

  function run(): void {
    if (stopped) {
      return;
    }
    if (running !== undefined) {
      again = true;

      return;
    }
    running = runTicks().finally(() => {
      running = undefined;
      schedule(options.intervalMs);
    });
  }

  return {
    start() {
      stopped = false;
      schedule(0);
    },
    wake() {
      if (running === undefined) {
        schedule(0);
      } else {
        again = true;
      }
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
