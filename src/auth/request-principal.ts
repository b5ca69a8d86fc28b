import type { PrismaClient } from '../generated/prisma/client.js';
import type { Logger } from '../logger.js';
import { authenticate, readCredential } from './authenticate.js';
import type { Principal } from './principal.js';

const principals = new WeakMap<Request, Promise<Principal | undefined>>();

/**
 * Authenticates a request once, however many parts of the pipeline ask: the rate
 * limiter, the REST router and the GraphQL context all get the same answer, or the
 * same `auth_required` error.
 */
export function principalOf(request: Request, prisma: PrismaClient, log: Logger): Promise<Principal | undefined> {
  let principal = principals.get(request);
  if (principal === undefined) {
    principal = (async () => authenticate(prisma, readCredential(request), log))();
    // The error reaches every caller that awaits it; this only stops an unhandled rejection.
    principal.catch(() => undefined);
    principals.set(request, principal);
  }

  return principal;
}
