import type { Event, Prisma, PrismaClient } from '../generated/prisma/client.js';
import { generateDeliveryId, webhookBody } from './signature.js';

/** Stands for every event type in an endpoint's `events`. */
export const allEvents = '*';

/** The spacing of retries and the attempt count after which a delivery fails. */
export interface RetrySchedule {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * Computes the wait after failed attempt `attempt` (1 for the first): the base delay
 * doubled for each earlier failure, capped, then spread by ±20 % so that receivers that
 * failed together are not retried together. With the defaults (1 minute, 8 hours, 12
 * attempts) the waits add up to about 25 hours before a delivery is marked failed.
 */
export function retryDelayMs(attempt: number, schedule: RetrySchedule, random: () => number = Math.random): number {
  const exponential = schedule.baseDelayMs * 2 ** Math.min(attempt - 1, 40);
  const capped = Math.min(exponential, schedule.maxDelayMs);

  return Math.round(capped * (0.8 + 0.4 * random()));
}

/**
 * Queues a delivery of each event to every enabled endpoint of its tenant that subscribes
 * to its type. Runs in the dispatcher's transaction; an event that is queued twice gets
 * one delivery per endpoint, because (event, endpoint) is unique.
 */
export async function queueDeliveries(tx: Prisma.TransactionClient, events: readonly Event[]): Promise<number> {
  if (events.length === 0) {
    return 0;
  }
  const tenants = new Map(events.map((event) => [`${event.accountId}:${event.livemode}`, event]));
  const endpoints = await tx.webhookEndpoint.findMany({
    where: {
      enabled: true,
      OR: [...tenants.values()].map((event) => ({ accountId: event.accountId, livemode: event.livemode })),
    },
    select: { id: true, accountId: true, livemode: true, events: true },
  });
  const rows: Prisma.WebhookDeliveryCreateManyInput[] = [];
  for (const event of events) {
    const body = webhookBody(event);
    for (const endpoint of endpoints) {
      const sameTenant = endpoint.accountId === event.accountId && endpoint.livemode === event.livemode;
      if (sameTenant && (endpoint.events.includes(allEvents) || endpoint.events.includes(event.type))) {
        rows.push({
          id: generateDeliveryId(),
          endpointId: endpoint.id,
          eventId: event.id,
          eventType: event.type,
          body,
          nextAttemptAt: event.createdAt,
        });
      }
    }
  }
  if (rows.length === 0) {
    return 0;
  }
  const { count } = await tx.webhookDelivery.createMany({ data: rows, skipDuplicates: true });

  return count;
}

/** A delivery that a worker has leased for one attempt. */
export interface ClaimedDelivery {
  id: string;
  endpointId: number;
  eventType: string;
  body: string;
  /** The number of this attempt among all attempts of the delivery; it fences the lease. */
  attempt: number;
  /** Attempts since the delivery was queued or redelivered, this one included. */
  scheduledAttempts: number;
  /** True when the previous lease ran out without a result, as after a crash. */
  interrupted: boolean;
}

/**
 * Leases up to `limit` due deliveries for `leaseMs`. `FOR UPDATE SKIP LOCKED` lets several
 * instances claim at once without waiting on each other or taking the same row. The
 * lease, not an open transaction, keeps a delivery from being sent twice at once, so no
 * connection is held while a receiver responds. A lease that runs out (the worker died)
 * makes the delivery due again. Times come from the database clock, which all instances
 * share.
 */
export async function claimDueDeliveries(
  prisma: PrismaClient,
  limit: number,
  leaseMs: number,
): Promise<ClaimedDelivery[]> {
  const rows = await prisma.$queryRaw<
    {
      id: string;
      endpointId: number;
      eventType: string;
      body: string;
      attempts: number;
      scheduledAttempts: number;
      previousStatus: string;
    }[]
  >`
    WITH due AS (
      SELECT id, status AS previous_status
      FROM webhook_deliveries
      WHERE status IN ('pending', 'sending') AND next_attempt_at <= now()
      ORDER BY next_attempt_at
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    )
    UPDATE webhook_deliveries AS delivery
    SET status = 'sending',
        attempts = delivery.attempts + 1,
        scheduled_attempts = delivery.scheduled_attempts + 1,
        next_attempt_at = now() + ${leaseMs}::integer * interval '1 millisecond',
        updated_at = now()
    FROM due
    WHERE delivery.id = due.id
    RETURNING delivery.id, delivery.endpoint_id AS "endpointId", delivery.event_type AS "eventType",
      delivery.body, delivery.attempts, delivery.scheduled_attempts AS "scheduledAttempts",
      due.previous_status::text AS "previousStatus"`;

  return rows.map((row) => ({
    id: row.id,
    endpointId: row.endpointId,
    eventType: row.eventType,
    body: row.body,
    attempt: row.attempts,
    scheduledAttempts: row.scheduledAttempts,
    interrupted: row.previousStatus === 'sending',
  }));
}

/** Writes an attempt whose worker stopped before it recorded a result. */
export async function recordInterruptedAttempt(prisma: PrismaClient, delivery: ClaimedDelivery): Promise<void> {
  await prisma.webhookAttempt.createMany({
    data: [
      {
        deliveryId: delivery.id,
        number: delivery.attempt - 1,
        statusCode: null,
        durationMs: 0,
        error: 'No result was recorded because the server stopped during the attempt; the receiver may or may not have got it',
      },
    ],
    skipDuplicates: true,
  });
}

/** The result of one HTTP request of a delivery. */
export interface AttemptOutcome {
  statusCode: number | null;
  durationMs: number;
  error: string | null;
}

export type AttemptResult = 'succeeded' | 'retrying' | 'failed' | 'superseded';

/**
 * Records an attempt and moves the delivery on: a 2xx response completes it, a failure
 * schedules the next attempt or, after the last one, marks it failed. A worker whose lease
 * ran out and whose delivery another worker took since then only logs its attempt.
 */
export async function recordAttempt(
  prisma: PrismaClient,
  delivery: ClaimedDelivery,
  outcome: AttemptOutcome,
  schedule: RetrySchedule,
): Promise<{ result: AttemptResult; nextAttemptAt: Date | null }> {
  const succeeded = outcome.error === null;
  const exhausted = delivery.scheduledAttempts >= schedule.maxAttempts;
  const now = new Date();
  let nextAttemptAt: Date | null = null;
  let changes: Prisma.WebhookDeliveryUpdateManyMutationInput;
  if (succeeded) {
    changes = { status: 'succeeded', completedAt: now, nextAttemptAt: null };
  } else if (exhausted) {
    changes = { status: 'failed', completedAt: now, nextAttemptAt: null };
  } else {
    nextAttemptAt = new Date(now.getTime() + retryDelayMs(delivery.scheduledAttempts, schedule));
    changes = { status: 'pending', nextAttemptAt };
  }

  return prisma.$transaction(async (tx) => {
    const { count } = await tx.webhookDelivery.updateMany({
      where: { id: delivery.id, status: 'sending', attempts: delivery.attempt },
      data: { ...changes, lastStatusCode: outcome.statusCode, lastError: outcome.error },
    });
    if (count === 0 && (await tx.webhookDelivery.count({ where: { id: delivery.id } })) === 0) {
      // The endpoint was deleted while the attempt ran; its log went with it.
      return { result: 'superseded', nextAttemptAt: null };
    }
    const attempt = { statusCode: outcome.statusCode, durationMs: outcome.durationMs, error: outcome.error };
    await tx.webhookAttempt.upsert({
      where: { deliveryId_number: { deliveryId: delivery.id, number: delivery.attempt } },
      create: { deliveryId: delivery.id, number: delivery.attempt, ...attempt },
      update: attempt,
    });
    if (count === 0) {
      return { result: 'superseded', nextAttemptAt: null };
    }

    if (succeeded) {
      return { result: 'succeeded', nextAttemptAt };
    }

    return { result: exhausted ? 'failed' : 'retrying', nextAttemptAt };
  });
}
