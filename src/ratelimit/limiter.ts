import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RateLimits } from '../usage/plans.js';

export const windows = [
  { name: 'minute', ms: 60_000, limit: (limits: RateLimits) => limits.perMinute },
  { name: 'hour', ms: 3_600_000, limit: (limits: RateLimits) => limits.perHour },
  { name: 'day', ms: 86_400_000, limit: (limits: RateLimits) => limits.perDay },
] as const;

export type WindowName = (typeof windows)[number]['name'];

/** The outcome of one request against its credential's limits. */
export interface RateDecision {
  allowed: boolean;
  /** The per-minute limit, which `X-RateLimit-Limit` reports. */
  limit: number;
  /** Requests left before some window refuses, counting this one when it was allowed. */
  remaining: number;
  /** Unix time in ms at which `remaining` next grows, or now when nothing is counted. */
  resetAt: number;
  /** The window that refused the request. */
  exceeded: WindowName | undefined;
}

/**
 * Counts requests per key over sliding minute, hour and day windows. Each accepted
 * request's time is kept for a day, so a window frees a slot exactly when its oldest
 * request leaves it; refused requests are not counted.
 */
export interface RateLimiter {
  consume(key: string, limits: RateLimits, now: number): Promise<RateDecision>;
  close(): Promise<void>;
}

/** First index in sorted `times` whose value is greater than `bound`. */
function firstAfter(times: readonly number[], bound: number): number {
  let low = 0;
  let high = times.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (times[middle]! > bound) {
      high = middle;
    } else {
      low = middle + 1;
    }
  }

  return low;
}

/**
 * Decides from each window's count and oldest time, as both stores do. A refused
 * request may go again once every full window has freed a slot, so its reset is the
 * latest of their reset times.
 */
function decide(limits: RateLimits, now: number, counts: number[], oldest: (number | undefined)[]): RateDecision {
  const states = windows.map((window, index) => ({
    name: window.name,
    left: window.limit(limits) - counts[index]!,
    freesAt: (oldest[index] ?? now) + window.ms,
  }));
  const full = states.filter((state) => state.left <= 0);
  if (full.length > 0) {
    const binding = full.reduce((latest, state) => (state.freesAt > latest.freesAt ? state : latest));

    return { allowed: false, limit: limits.perMinute, remaining: 0, resetAt: binding.freesAt, exceeded: binding.name };
  }
  const tightest = states.reduce((least, state) => (state.left < least.left ? state : least));

  return { allowed: true, limit: limits.perMinute, remaining: tightest.left - 1, resetAt: tightest.freesAt, exceeded: undefined };
}

/** Counters in this process, for a single server instance. */
export function createMemoryRateLimiter(): RateLimiter {
  const logs = new Map<string, number[]>();

  return {
    async consume(key, limits, now) {
      const day = windows[2].ms;
      let times = logs.get(key) ?? [];
      const start = firstAfter(times, now - day);
      if (start > 0) {
        times = times.slice(start);
      }
      const counts = windows.map((window) => times.length - firstAfter(times, now - window.ms));
      const oldest = windows.map((window) => times[firstAfter(times, now - window.ms)]);
      const decision = decide(limits, now, counts, oldest);
      if (decision.allowed) {
        times.push(now);
      }
      if (times.length === 0) {
        logs.delete(key);
      } else {
        logs.set(key, times);
      }

      return decision;
    },
    async close() {
      logs.clear();
    },
  };
}

/**
 * Checks all three windows and records the request in one atomic step: a sorted set of
 * accepted request times per key, trimmed to a day. Returns the three counts, the oldest
 * time in each window (or -1) and whether the request was added.
 */
const consumeScript = `
local key = KEYS[1]
local now = tonumber(ARGV[1])
local member = ARGV[2]
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - 86400000)
local result = {}
local allowed = 1
for i = 0, 2 do
  local span = tonumber(ARGV[3 + i * 2])
  local limit = tonumber(ARGV[4 + i * 2])
  local count = redis.call('ZCOUNT', key, '(' .. (now - span), '+inf')
  local first = redis.call('ZRANGEBYSCORE', key, '(' .. (now - span), '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
  result[#result + 1] = count
  result[#result + 1] = first[2] or '-1'
  if count >= limit then allowed = 0 end
end
if allowed == 1 then
  redis.call('ZADD', key, now, member)
  redis.call('PEXPIRE', key, 86400000)
end
result[#result + 1] = allowed
return result
`;

/** Counters in Redis, shared by every instance that uses the same server and prefix. */
export function createRedisRateLimiter(redis: Redis, prefix = 'agentgraph:ratelimit:'): RateLimiter {
  redis.defineCommand('agentgraphConsume', { numberOfKeys: 1, lua: consumeScript });
  const consume = (redis as unknown as { agentgraphConsume(...args: (string | number)[]): Promise<(number | string)[]> })
    .agentgraphConsume.bind(redis);

  return {
    async consume(key, limits, now) {
      const member = `${now}:${randomBytes(6).toString('hex')}`;
      const args = windows.flatMap((window) => [window.ms, window.limit(limits)]);
      const reply = await consume(`${prefix}${key}`, now, member, ...args);
      const counts = [0, 1, 2].map((index) => Number(reply[index * 2]));
      const oldest = [0, 1, 2].map((index) => {
        const value = Number(reply[index * 2 + 1]);

        return value < 0 ? undefined : value;
      });

      return decide(limits, now, counts, oldest);
    },
    async close() {
      redis.disconnect();
    },
  };
}
