import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryRateLimiter, createRedisRateLimiter, type RateLimiter } from '../../src/ratelimit/limiter.js';
import { plans } from '../../src/usage/plans.js';

const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const free = plans.free.rateLimits;
const minute = 60_000;
const hour = 3_600_000;
const start = Date.UTC(2026, 11, 4, 12, 0, 0);

const redisClients: Redis[] = [];
afterAll(() => {
  for (const client of redisClients) {
    client.disconnect();
  }
});

const stores: [string, () => RateLimiter][] = [
  ['memory', () => createMemoryRateLimiter()],
  [
    'redis',
    () => {
      const client = new Redis(redisUrl);
      redisClients.push(client);

      return createRedisRateLimiter(client, `agentgraph-test:${randomBytes(4).toString('hex')}:`);
    },
  ],
];

describe.each(stores)('%s sliding window', (_name, create) => {
  it('allows the limit and refuses the next', async () => {
    const limiter = create();
    const remaining: number[] = [];
    for (let index = 0; index < free.perMinute; index += 1) {
      const decision = await limiter.consume('key', free, start + index * 1000);
      expect(decision.allowed).toBe(true);
      remaining.push(decision.remaining);
    }
    expect(remaining).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    const refused = await limiter.consume('key', free, start + 10_000);
    expect(refused.allowed).toBe(false);
    expect(refused.exceeded).toBe('minute');
    expect(refused.remaining).toBe(0);
    expect(refused.resetAt).toBe(start + minute);
  });

  it('frees a slot when the oldest request leaves', async () => {
    const limiter = create();
    for (let index = 0; index < free.perMinute; index += 1) {
      await limiter.consume('key', free, start + index * 1000);
    }
    expect((await limiter.consume('key', free, start + minute - 1)).allowed).toBe(false);
    const again = await limiter.consume('key', free, start + minute + 1);
    expect(again.allowed).toBe(true);
    expect(again.remaining).toBe(0);
    expect(again.resetAt).toBe(start + 1000 + minute);
    expect((await limiter.consume('key', free, start + minute + 2)).allowed).toBe(false);
  });

  it('does not count refused requests', async () => {
    const limiter = create();
    for (let index = 0; index < 50; index += 1) {
      await limiter.consume('key', free, start + (index % 10) * 10);
    }
    // 10 were accepted at once; 40 refused ones must not hold the window shut.
    expect((await limiter.consume('key', free, start + minute + 100)).allowed).toBe(true);
  });

  it('enforces the hour window', async () => {
    const limiter = create();
    // Ten requests a minute for ten minutes fill the free plan's 100 per hour.
    for (let batch = 0; batch < 10; batch += 1) {
      for (let index = 0; index < 10; index += 1) {
        expect((await limiter.consume('key', free, start + batch * minute + index)).allowed).toBe(true);
      }
    }
    const refused = await limiter.consume('key', free, start + 10 * minute + 5);
    expect(refused.allowed).toBe(false);
    expect(refused.exceeded).toBe('hour');
    expect(refused.resetAt).toBe(start + hour);
  });

  it('keeps keys apart', async () => {
    const limiter = create();
    for (let index = 0; index < free.perMinute; index += 1) {
      await limiter.consume('one', free, start);
    }
    expect((await limiter.consume('one', free, start)).allowed).toBe(false);
    expect((await limiter.consume('two', free, start)).allowed).toBe(true);
  });

  it('admits exactly the limit under concurrency', async () => {
    const limiter = create();
    const decisions = await Promise.all(Array.from({ length: 100 }, () => limiter.consume('key', free, start)));
    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(free.perMinute);
  });
});
