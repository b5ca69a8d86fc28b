import { Redis } from 'ioredis';
import type { Principal } from '../auth/principal.js';
import { AppError, ErrorCode } from '../errors.js';
import type { Logger } from '../logger.js';
import { anonymousRateLimits, plans } from '../usage/plans.js';
import { createMemoryRateLimiter, createRedisRateLimiter, type RateDecision, type RateLimiter } from './limiter.js';

export type FailureMode = 'open' | 'closed';

export interface RateLimitService {
  /**
   * Counts one request of `principal`, or of the client address when there is none.
   * Resolves to `undefined` when rate limits are off.
   */
  admit(principal: Principal | undefined, address: string | undefined): Promise<RateDecision | undefined>;
  close(): Promise<void>;
}

/**
 * Names the bucket a request counts against: an API key, an OAuth app (so that minting more
 * tokens buys no extra requests), an account's sessions, or a client address for
 * requests without a valid credential.
 */
export function bucketOf(principal: Principal | undefined, address: string | undefined): string {
  if (principal === undefined) {
    return `address:${address ?? 'unknown'}`;
  }
  switch (principal.credential.kind) {
    case 'api_key':
      return `key:${principal.credential.id}`;
    case 'oauth_token':
      return `app:${principal.credential.appId ?? principal.credential.id}`;
    case 'session':
      return `sessions:${principal.accountId}`;
  }
}

/** Builds the 429 for a refused decision, with `Retry-After` in whole seconds. */
export function rateLimitError(decision: RateDecision, now: number): AppError {
  const seconds = Math.max(1, Math.ceil((decision.resetAt - now) / 1000));

  return new AppError(
    ErrorCode.RateLimitExceeded,
    `Rate limit exceeded: the per-${decision.exceeded ?? 'minute'} limit of this credential is used up; retry in ${seconds} s`,
    { headers: { 'retry-after': String(seconds), ...rateLimitHeaders(decision) } },
  );
}

export function rateLimitHeaders(decision: RateDecision): Record<string, string> {
  return {
    'x-ratelimit-limit': String(decision.limit),
    'x-ratelimit-remaining': String(decision.remaining),
    'x-ratelimit-reset': String(Math.ceil(decision.resetAt / 1000)),
  };
}

/**
 * Builds the limiter: in memory, or in Redis at `redisUrl` so that every instance shares
 * the counters. When Redis fails, requests are let through (`open`) or refused with 503
 * (`closed`), and the first failure in each minute is logged.
 */
export async function createRateLimitService(options: {
  enabled: boolean;
  redisUrl: string | undefined;
  failureMode: FailureMode;
  log: Logger;
  keyPrefix?: string;
  now?: () => number;
}): Promise<RateLimitService> {
  const now = options.now ?? Date.now;
  let limiter: RateLimiter;
  if (!options.enabled) {
    options.log.warn('rate limits are off (RATE_LIMITS=off)');

    return { admit: async () => undefined, close: async () => {} };
  }
  if (options.redisUrl === undefined) {
    limiter = createMemoryRateLimiter();
  } else {
    const redis = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
    } catch (error) {
      options.log.warn({ err: error, failureMode: options.failureMode }, 'Redis for rate limits is unreachable at start-up');
    }
    limiter = createRedisRateLimiter(redis, options.keyPrefix);
    options.log.info({ failureMode: options.failureMode }, `rate limits are shared in Redis and fail ${options.failureMode} when it is down`);
  }
  let lastFailureLog = 0;

  return {
    async admit(principal, address) {
      const limits = principal === undefined ? anonymousRateLimits : plans[principal.plan].rateLimits;
      const time = now();
      try {
        return await limiter.consume(bucketOf(principal, address), limits, time);
      } catch (error) {
        if (time - lastFailureLog > 60_000) {
          lastFailureLog = time;
          options.log.error({ err: error, failureMode: options.failureMode }, `rate limiter failed; requests fail ${options.failureMode}`);
        }
        if (options.failureMode === 'closed') {
          throw new AppError(ErrorCode.ServiceUnavailable, 'The rate limiter is unavailable; retry shortly');
        }

        return { allowed: true, limit: limits.perMinute, remaining: limits.perMinute, resetAt: time + 60_000, exceeded: undefined };
      }
    },
    close: () => limiter.close(),
  };
}
