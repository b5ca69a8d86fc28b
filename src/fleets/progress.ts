import { EventEmitter } from 'node:events';

/**
 * Tells this process that a fleet run changed: its steps were claimed or settled, or the
 * run finished. Subscriptions on this instance refresh at once; changes made by other
 * instances reach them at the next poll.
 */
export const runChanged = new EventEmitter();
runChanged.setMaxListeners(0);

/** Tells the fleet workers of this process that steps may be waiting. */
export const fleetWorkQueued = new EventEmitter();
fleetWorkQueued.setMaxListeners(0);

export function notifyRunChanged(runId: number): void {
  runChanged.emit('changed', runId);
}
