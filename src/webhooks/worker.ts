import { createPoller, type Poller } from '../events/poller.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Logger } from '../logger.js';
import type { OutboundNetwork } from '../tools/network.js';
import {
  claimDueDeliveries,
  recordAttempt,
  recordInterruptedAttempt,
  type AttemptOutcome,
  type ClaimedDelivery,
  type RetrySchedule,
} from './queue.js';
import { signWebhookBody, webhookUserAgent } from './signature.js';

export interface DeliveryWorkerOptions {
  prisma: PrismaClient;
  log: Logger;
  /** The outbound policy that refuses private addresses after DNS resolution. */
  network: OutboundNetwork;
  pollIntervalMs: number;
  timeoutMs: number;
  concurrency: number;
  schedule: RetrySchedule;
}

/** Bytes of a receiver's response body that are read; they are not kept. */
const maxResponseBytes = 1024;

/**
 * Creates the webhook delivery worker: it leases due deliveries from the database queue,
 * up to `concurrency` at a time, sends each as a signed POST and records the attempt.
 * Redirects are not followed, so that a delivery reaches only the URL the account set.
 */
export function createDeliveryWorker(options: DeliveryWorkerOptions): Poller {
  const { prisma, log, network } = options;
  const inFlight = new Set<Promise<void>>();
  // Long enough that a live worker always records its result before another may take the
  // delivery: the request's own timeout plus time to write the result.
  const leaseMs = options.timeoutMs * 2 + 5_000;
  let stopping = false;

  async function send(delivery: ClaimedDelivery): Promise<AttemptOutcome> {
    const endpoint = await prisma.webhookEndpoint.findUnique({
      where: { id: delivery.endpointId },
      select: { url: true, secret: true, enabled: true },
    });
    if (endpoint === null) {
      return { statusCode: null, durationMs: 0, error: 'The endpoint was deleted' };
    }
    if (!endpoint.enabled) {
      return { statusCode: null, durationMs: 0, error: 'The endpoint is disabled, so the delivery was not sent' };
    }
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    try {
      const response = await network.fetch(endpoint.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': webhookUserAgent,
          'x-webhook-event': delivery.eventType,
          'x-webhook-delivery': delivery.id,
          'x-webhook-signature': signWebhookBody(delivery.body, endpoint.secret),
        },
        body: delivery.body,
        signal: AbortSignal.timeout(options.timeoutMs),
        followRedirects: false,
        maxBytes: maxResponseBytes,
      });
      const durationMs = elapsed();
      if (response.status >= 200 && response.status < 300) {
        return { statusCode: response.status, durationMs, error: null };
      }
      const redirect = response.status >= 300 && response.status < 400 ? '; redirects are not followed' : '';

      return { statusCode: response.status, durationMs, error: `The receiver answered HTTP ${response.status}${redirect}` };
    } catch (error) {
      const durationMs = elapsed();
      if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
        return { statusCode: null, durationMs, error: `The receiver did not answer within ${options.timeoutMs} ms` };
      }

      return { statusCode: null, durationMs, error: (error as Error).message };
    }
  }

  async function deliver(delivery: ClaimedDelivery): Promise<void> {
    if (delivery.interrupted) {
      await recordInterruptedAttempt(prisma, delivery);
    }
    const outcome = await send(delivery);
    const { result, nextAttemptAt } = await recordAttempt(prisma, delivery, outcome, options.schedule);
    const fields = {
      deliveryId: delivery.id,
      endpointId: delivery.endpointId,
      eventType: delivery.eventType,
      attempt: delivery.attempt,
      statusCode: outcome.statusCode,
      durationMs: outcome.durationMs,
      result,
      ...(nextAttemptAt === null ? {} : { nextAttemptAt: nextAttemptAt.toISOString() }),
      ...(outcome.error === null ? {} : { error: outcome.error }),
    };
    if (result === 'succeeded') {
      log.info(fields, 'webhook delivery attempt succeeded');
    } else {
      log.warn(fields, 'webhook delivery attempt failed');
    }
  }

  function track(delivery: ClaimedDelivery): void {
    const task = deliver(delivery)
      .catch((error: unknown) => {
        // The delivery stays leased; when the lease runs out another attempt follows.
        log.error({ err: error, deliveryId: delivery.id }, 'could not record a webhook delivery attempt');
      })
      .finally(() => {
        inFlight.delete(task);
        poller.wake();
      });
    inFlight.add(task);
  }

  const poller = createPoller({
    name: 'webhook delivery',
    intervalMs: options.pollIntervalMs,
    log,
    async tick() {
      const free = options.concurrency - inFlight.size;
      if (stopping || free <= 0) {
        return false;
      }
      const claimed = await claimDueDeliveries(prisma, free, leaseMs);
      for (const delivery of claimed) {
        track(delivery);
      }

      return claimed.length === free;
    },
  });

  return {
    start() {
      stopping = false;
      poller.start();
    },
    wake: () => poller.wake(),
    async stop() {
      stopping = true;
      await poller.stop();
      // Each attempt ends within its timeout, so shutdown waits at most that long.
      await Promise.allSettled([...inFlight]);
    },
  };
}
