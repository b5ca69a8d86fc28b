import type { Tenant } from './auth/principal.js';
import type { PlanTier } from './generated/prisma/enums.js';
import type { PrismaClient } from './generated/prisma/client.js';
import type { Logger } from './logger.js';

/** What a service function needs to act for one caller: the database, the tenant, a logger. */
export interface ServiceContext {
  prisma: PrismaClient;
  tenant: Tenant;
  log: Logger;
  /** The account's plan, for quotas; absent for operator tools such as the CLI. */
  plan?: PlanTier;
}
