import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Tenant } from '../auth/principal.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { EventType } from './catalogue.js';

/** `evt_` and 24 hex digits: 96 random bits, so ids never collide in practice. */
export function generateEventId(): string {
  return `evt_${randomBytes(12).toString('hex')}`;
}

/**
 * Tells the dispatchers of this process that an event may be waiting, so that it goes out
 * at once instead of at the next poll. It fires before the transaction commits; a
 * dispatcher that looks too early finds nothing and the next poll picks the event up.
 */
export const eventRecorded = new EventEmitter();
eventRecorded.setMaxListeners(0);

/**
 * Records an event in the transaction `tx` of the change that raised it. Nothing is sent
 * here: the dispatcher reads committed events, so a rolled-back change raises nothing and
 * a crash after the commit loses nothing. `data` should match the event's type in
 * `EventPayloads`.
 */
export async function recordEvent(
  tx: Prisma.TransactionClient,
  tenant: Tenant,
  type: EventType,
  data: Record<string, unknown>,
): Promise<void> {
  await tx.event.create({
    data: {
      id: generateEventId(),
      accountId: tenant.accountId,
      livemode: tenant.livemode,
      type,
      data: data as Prisma.InputJsonObject,
    },
  });
  eventRecorded.emit('recorded');
}
