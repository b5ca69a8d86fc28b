import type { Event, PrismaClient } from '../generated/prisma/client.js';
import type { Logger } from '../logger.js';
import { queueDeliveries } from '../webhooks/queue.js';
import type { EventBus, PublishedEvent } from './bus.js';
import type { EventType } from './catalogue.js';
import { eventRecorded } from './outbox.js';
import { createPoller, type Poller } from './poller.js';

export interface DispatcherOptions {
  prisma: PrismaClient;
  bus: EventBus;
  log: Logger;
  pollIntervalMs: number;
  retentionDays: number;
  /** Called after deliveries were queued, to wake the delivery worker. */
  onDeliveriesQueued(): void;
}

const batchSize = 100;
const cleanupIntervalMs = 3_600_000;
const nudgeDelaysMs = [5, 50, 250];

function published(event: Event): PublishedEvent {
  return {
    id: event.id,
    type: event.type as EventType,
    accountId: event.accountId,
    livemode: event.livemode,
    timestamp: event.createdAt.toISOString(),
    data: event.data as Record<string, unknown>,
  };
}

/**
 * Creates the outbox dispatcher. It takes committed, undispatched events oldest first, and
 * in one transaction queues their webhook deliveries and marks them dispatched; then it
 * publishes them to subscribers. `SKIP LOCKED` lets the dispatchers of several instances
 * share the outbox without taking the same event.
 *
 * Each event gets one delivery per endpoint, because the outbox row is marked in the
 * transaction that queues them. Live subscribers get an event at most once: one that was
 * dispatched just before a crash is not published again, because a subscriber that was
 * connected then has lost its connection anyway.
 */
export function createEventDispatcher(options: DispatcherOptions): Poller {
  const { prisma, bus, log } = options;
  let lastCleanup = 0;

  async function dispatchBatch(): Promise<boolean> {
    // A plain read first, so that an idle poll opens no transaction.
    if ((await prisma.event.findFirst({ where: { dispatchedAt: null }, select: { id: true } })) === null) {
      return false;
    }
    const { events, queued } = await prisma.$transaction(async (tx) => {
      const claimed = await tx.$queryRaw<{ id: string }[]>`
        SELECT id FROM events
        WHERE dispatched_at IS NULL
        ORDER BY created_at, id
        LIMIT ${batchSize}
        FOR UPDATE SKIP LOCKED`;
      if (claimed.length === 0) {
        return { events: [], queued: 0 };
      }
      const ids = claimed.map((row) => row.id);
      const rows = await tx.event.findMany({ where: { id: { in: ids } }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
      const count = await queueDeliveries(tx, rows);
      await tx.event.updateMany({ where: { id: { in: ids } }, data: { dispatchedAt: new Date() } });

      return { events: rows, queued: count };
    });
    for (const event of events) {
      bus.publish(published(event));
    }
    if (events.length > 0) {
      log.debug({ events: events.length, deliveries: queued }, 'dispatched events');
    }
    if (queued > 0) {
      options.onDeliveriesQueued();
    }

    return events.length === batchSize;
  }

  async function deleteExpiredEvents(): Promise<void> {
    const cutoff = new Date(Date.now() - options.retentionDays * 86_400_000);
    const { count } = await prisma.event.deleteMany({
      where: { dispatchedAt: { lt: cutoff }, deliveries: { none: { status: { in: ['pending', 'sending'] } } } },
    });
    if (count > 0) {
      log.info({ events: count, retentionDays: options.retentionDays }, 'deleted expired events and their delivery logs');
    }
  }

  const poller = createPoller({
    name: 'event dispatcher',
    intervalMs: options.pollIntervalMs,
    log,
    async tick() {
      const more = await dispatchBatch();
      if (Date.now() - lastCleanup >= cleanupIntervalMs) {
        lastCleanup = Date.now();
        await deleteExpiredEvents();
      }

      return more;
    },
  });
  // `recordEvent` fires before its transaction commits, so the dispatcher looks a few
  // times shortly after; an event committed later waits for the next poll.
  let nudging = false;
  const onRecorded = () => {
    if (nudging) {
      return;
    }
    nudging = true;
    for (const delayMs of nudgeDelaysMs) {
      setTimeout(() => {
        poller.wake();
        nudging = delayMs !== nudgeDelaysMs.at(-1);
      }, delayMs).unref();
    }
  };

  return {
    start() {
      eventRecorded.on('recorded', onRecorded);
      poller.start();
    },
    wake: () => poller.wake(),
    async stop() {
      eventRecorded.off('recorded', onRecorded);
      await poller.stop();
    },
  };
}
