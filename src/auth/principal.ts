import type { PlanTier } from '../generated/prisma/enums.js';
import { authRequired, insufficientScope } from '../errors.js';
import { hasScope, type Scope } from './scopes.js';

export type CredentialKind = 'api_key' | 'oauth_token' | 'session';

/** Who is calling: an account, in live or test mode, with the scopes of the credential. */
export interface Principal {
  accountId: number;
  plan: PlanTier;
  /** False for `ak_test_` keys, whose resources are kept apart from live ones. */
  livemode: boolean;
  scopes: string[];
  /** The credential's row; `appId` is the OAuth app that issued an access token. */
  credential: { kind: CredentialKind; id: number; appId?: number };
}

/** The part of a principal that owns data: every query filters on both fields. */
export interface Tenant {
  accountId: number;
  livemode: boolean;
}

export function tenantOf(principal: Principal): Tenant {
  return { accountId: principal.accountId, livemode: principal.livemode };
}

/** Returns the principal, or raises `auth_required` when the request carried no credential. */
export function assertAuthenticated(principal: Principal | undefined): Principal {
  if (principal === undefined) {
    throw authRequired();
  }

  return principal;
}

/** Raises `auth_required` or `insufficient_scope` unless the principal holds `scope`. */
export function assertScope(principal: Principal | undefined, scope: Scope): Principal {
  const caller = assertAuthenticated(principal);
  if (!hasScope(caller.scopes, scope)) {
    throw insufficientScope(scope);
  }

  return caller;
}
