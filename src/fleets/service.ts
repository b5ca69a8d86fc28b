import type { Tenant } from '../auth/principal.js';
import { AppError, ErrorCode, ValidationError } from '../errors.js';
import type { Prisma } from '../generated/prisma/client.js';

/**
 * Checks that `fleetId` names a fleet of the tenant with a free agent slot, locking the
 * fleet row until the surrounding transaction ends so that two concurrent joins cannot
 * both take the last slot. `field` names the input field in the error.
 */
export async function reserveFleetSlot(
  tx: Prisma.TransactionClient,
  tenant: Tenant,
  fleetId: number,
  field: string,
): Promise<void> {
  const rows = await tx.$queryRaw<{ max_agents: number; auto_scale: boolean }[]>`
    SELECT max_agents, auto_scale FROM fleets
    WHERE id = ${fleetId} AND account_id = ${tenant.accountId} AND livemode = ${tenant.livemode}
    FOR UPDATE`;
  const fleet = rows[0];
  if (fleet === undefined) {
    throw new ValidationError([{ field, message: `does not name a fleet of this account, got ${fleetId}` }]);
  }
  if (fleet.auto_scale) {
    return;
  }
  const members = await tx.agent.count({ where: { fleetId } });
  if (members >= fleet.max_agents) {
    throw new AppError(
      ErrorCode.Conflict,
      `Fleet ${fleetId} is full: it has ${members} of its ${fleet.max_agents} agent slots in use and auto_scale is off`,
    );
  }
}
