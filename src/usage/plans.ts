import type { PlanTier } from '../generated/prisma/enums.js';

/** Requests a credential may make per sliding window. */
export interface RateLimits {
  perMinute: number;
  perHour: number;
  perDay: number;
}

/**
 * Limits per client address for requests without a valid credential, such as sign-in and
 * token requests. They are looser than the free plan's, because many users can share an
 * address behind a proxy, but bound password and key guessing.
 */
export const anonymousRateLimits: RateLimits = { perMinute: 120, perHour: 2_000, perDay: 20_000 };

/** Monthly or standing allowances; `null` means unlimited. */
export interface Quotas {
  /** Always `null`: the rate limits bound API calls, so there is no monthly quota on top. */
  apiCalls: number | null;
  toolsExecuted: number | null;
  agentsActive: number | null;
  fleetsActive: number | null;
  voiceMinutes: number | null;
  storageMb: number | null;
}

export interface Plan {
  rateLimits: RateLimits;
  quotas: Quotas;
}

/**
 * Every plan's limits, in one place. Rate limits are the REST v1 contract's table; the
 * quotas for the professional plan are the contract's usage example, and the others
 * scale from it.
 */
export const plans: Record<PlanTier, Plan> = {
  free: {
    rateLimits: { perMinute: 10, perHour: 100, perDay: 500 },
    quotas: { apiCalls: null, toolsExecuted: 1_000, agentsActive: 3, fleetsActive: 1, voiceMinutes: 30, storageMb: 100 },
  },
  starter: {
    rateLimits: { perMinute: 30, perHour: 500, perDay: 5_000 },
    quotas: { apiCalls: null, toolsExecuted: 10_000, agentsActive: 10, fleetsActive: 3, voiceMinutes: 100, storageMb: 1_024 },
  },
  professional: {
    rateLimits: { perMinute: 60, perHour: 2_000, perDay: 20_000 },
    quotas: { apiCalls: null, toolsExecuted: null, agentsActive: 20, fleetsActive: 10, voiceMinutes: 500, storageMb: 5_120 },
  },
  enterprise: {
    rateLimits: { perMinute: 200, perHour: 10_000, perDay: 100_000 },
    quotas: { apiCalls: null, toolsExecuted: null, agentsActive: null, fleetsActive: null, voiceMinutes: null, storageMb: null },
  },
};
