import type { Plugin } from 'graphql-yoga';
import { tenantOf } from '../../auth/principal.js';
import { principalOf } from '../../auth/request-principal.js';
import { AppError } from '../../errors.js';
import type { PrismaClient } from '../../generated/prisma/client.js';
import { requestScope, type Logger } from '../../logger.js';
import type { RateDecision } from '../../ratelimit/limiter.js';
import { rateLimitError, rateLimitHeaders, type RateLimitService } from '../../ratelimit/service.js';
import { errorResponse } from '../../rest/responses.js';
import { meter } from '../../usage/service.js';

/** API calls being written to the usage counters; the usage endpoints wait for them. */
export class UsageRecorder {
  private readonly pending = new Set<Promise<void>>();

  track(write: Promise<void>): void {
    this.pending.add(write);
    void write.finally(() => this.pending.delete(write));
  }

  /** Resolves once every API call counted so far is in the database. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }
}

function isMetered(pathname: string, method: string): boolean {
  if (method === 'OPTIONS') {
    return false;
  }

  return pathname.startsWith('/api/') || pathname === '/graphql';
}

function graphqlError(error: AppError): Response {
  return new Response(JSON.stringify({ errors: [{ message: error.message, extensions: { code: error.code, status: error.status } }] }), {
    status: error.status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...error.headers },
  });
}

/**
 * Counts every REST and GraphQL request against its credential's sliding-window limits,
 * refusing it with 429 once a window is full, and adds the rate-limit headers to every
 * response. Counted requests from a valid credential are metered as API calls.
 */
export function useRateLimit(deps: {
  limiter: RateLimitService;
  prisma: PrismaClient;
  log: Logger;
  usage: UsageRecorder;
}): Plugin {
  const decisions = new WeakMap<Request, RateDecision>();

  return {
    async onRequest({ request, url, endResponse }) {
      if (!isMetered(url.pathname, request.method)) {
        return;
      }
      const principal = await principalOf(request, deps.prisma, deps.log).catch(() => undefined);
      let decision: RateDecision | undefined;
      try {
        decision = await deps.limiter.admit(principal, requestScope.getStore()?.remoteAddress);
      } catch (error) {
        if (error instanceof AppError) {
          endResponse(url.pathname === '/graphql' ? graphqlError(error) : errorResponse(error));

          return;
        }
        throw error;
      }
      if (decision !== undefined) {
        decisions.set(request, decision);
      }
      if (decision !== undefined && !decision.allowed) {
        const error = rateLimitError(decision, Date.now());
        deps.log.info({ exceeded: decision.exceeded, accountId: principal?.accountId }, 'rate limit exceeded');
        endResponse(url.pathname === '/graphql' ? graphqlError(error) : errorResponse(error));

        return;
      }
      if (principal !== undefined) {
        // NOTE: one upsert per request on the account's daily row, so concurrent requests of
        // one account wait on that row's lock; docs/benchmarks.md measures what it costs.
        deps.usage.track(
          meter(deps.prisma, tenantOf(principal), 'api_calls').catch((error: unknown) => {
            deps.log.warn({ err: error, accountId: principal.accountId }, 'could not meter an API call');
          }),
        );
      }
    },
    onResponse({ request, response }) {
      const decision = decisions.get(request);
      if (decision === undefined) {
        return;
      }
      for (const [name, value] of Object.entries(rateLimitHeaders(decision))) {
        response.headers.set(name, value);
      }
    },
  };
}
