import type { Tenant } from '../auth/principal.js';
import type { ServiceContext } from '../context.js';
import { AppError, ErrorCode, ValidationError, type FieldIssue } from '../errors.js';
import { recordEvent } from '../events/outbox.js';
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import type { PlanTier } from '../generated/prisma/enums.js';
import { plans, type Quotas } from './plans.js';

/** Metered resources; the last four are the history's `resource_type` values. */
export const meteredResources = ['api_calls', 'tools', 'agents', 'chat', 'voice'] as const;
export type MeteredResource = (typeof meteredResources)[number];

export const historyResourceTypes = ['tools', 'agents', 'chat', 'voice'] as const;
export type HistoryResourceType = (typeof historyResourceTypes)[number];

/** Longest range `GET /usage/history` returns at once, in days. */
export const maxHistoryDays = 366;
const defaultHistoryDays = 30;
const dayMs = 86_400_000;

/** The billing period of `date`: its UTC month as `YYYY-MM`. */
export function periodOf(date: Date): string {
  return date.toISOString().slice(0, 7);
}

function periodStart(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1));
}

function utcDay(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}

/** Adds `amount` to today's counter of `resource`, in the transaction `db` when one is given. */
export async function meter(
  db: Prisma.TransactionClient | PrismaClient,
  tenant: Tenant,
  resource: MeteredResource,
  amount = 1,
  now = new Date(),
): Promise<void> {
  await db.$executeRaw`
    INSERT INTO usage_counters (account_id, livemode, day, resource, count)
    VALUES (${tenant.accountId}, ${tenant.livemode}, ${utcDay(now)}::date, ${resource}, ${amount})
    ON CONFLICT (account_id, livemode, day, resource)
    DO UPDATE SET count = usage_counters.count + EXCLUDED.count`;
}

async function monthTotal(db: Prisma.TransactionClient | PrismaClient, tenant: Tenant, resource: MeteredResource, now: Date): Promise<number> {
  const rows = await db.$queryRaw<{ total: number }[]>`
    SELECT COALESCE(sum(count), 0)::int AS total FROM usage_counters
    WHERE account_id = ${tenant.accountId} AND livemode = ${tenant.livemode}
      AND resource = ${resource} AND day >= ${periodStart(now)}::date`;

  return rows[0]?.total ?? 0;
}

export interface UsageFigure {
  used: number;
  limit: number | null;
}

export interface UsageSummary {
  period: string;
  plan: PlanTier;
  apiCalls: UsageFigure;
  toolsExecuted: UsageFigure;
  agentsActive: UsageFigure;
  fleetsActive: UsageFigure;
  voiceMinutes: UsageFigure;
  storageMb: UsageFigure;
}

/**
 * The current period's usage. Counters cover API calls, tool runs and voice minutes;
 * agents and fleets are counted as they stand; storage is the size of the account's
 * rows, rounded up to whole MiB.
 */
export async function usageSummary(ctx: ServiceContext, plan: PlanTier, now = new Date()): Promise<UsageSummary> {
  const quotas = plans[plan].quotas;
  const tenant = ctx.tenant;
  const [apiCalls, tools, voice, agents, fleets, storageBytes] = await Promise.all([
    monthTotal(ctx.prisma, tenant, 'api_calls', now),
    monthTotal(ctx.prisma, tenant, 'tools', now),
    monthTotal(ctx.prisma, tenant, 'voice', now),
    ctx.prisma.agent.count({ where: { accountId: tenant.accountId, livemode: tenant.livemode } }),
    ctx.prisma.fleet.count({ where: { accountId: tenant.accountId, livemode: tenant.livemode } }),
    storedBytes(ctx.prisma, tenant),
  ]);

  return {
    period: periodOf(now),
    plan,
    apiCalls: { used: apiCalls, limit: quotas.apiCalls },
    toolsExecuted: { used: tools, limit: quotas.toolsExecuted },
    agentsActive: { used: agents, limit: quotas.agentsActive },
    fleetsActive: { used: fleets, limit: quotas.fleetsActive },
    voiceMinutes: { used: voice, limit: quotas.voiceMinutes },
    storageMb: { used: Math.ceil(storageBytes / (1024 * 1024)), limit: quotas.storageMb },
  };
}

/** Bytes of the tenant's rows in the tables that grow with use: agents, fleets, own tools and chat history. */
async function storedBytes(prisma: PrismaClient, tenant: Tenant): Promise<number> {
  const rows = await prisma.$queryRaw<{ bytes: number }[]>`
    SELECT (
      (SELECT COALESCE(sum(pg_column_size(a.*)), 0) FROM agents a WHERE a.account_id = ${tenant.accountId} AND a.livemode = ${tenant.livemode})
      + (SELECT COALESCE(sum(pg_column_size(f.*)), 0) FROM fleets f WHERE f.account_id = ${tenant.accountId} AND f.livemode = ${tenant.livemode})
      + (SELECT COALESCE(sum(pg_column_size(t.*)), 0) FROM tools t WHERE t.owner_account_id = ${tenant.accountId} AND t.owner_livemode = ${tenant.livemode})
      + (SELECT COALESCE(sum(pg_column_size(c.*)), 0) FROM conversations c WHERE c.account_id = ${tenant.accountId} AND c.livemode = ${tenant.livemode})
      + (SELECT COALESCE(sum(pg_column_size(m.*)), 0) FROM chat_messages m JOIN conversations c ON c.id = m.conversation_id
           WHERE c.account_id = ${tenant.accountId} AND c.livemode = ${tenant.livemode})
    )::float8 AS bytes`;

  return rows[0]?.bytes ?? 0;
}

export interface HistoryQuery {
  startDate?: string | undefined;
  endDate?: string | undefined;
  resourceType?: string | undefined;
}

export interface HistoryRecord {
  date: string;
  resourceType: HistoryResourceType;
  count: number;
}

const isoDate = /^\d{4}-\d{2}-\d{2}$/;

function parseDate(value: string, field: string, issues: FieldIssue[]): Date | undefined {
  const date = new Date(`${value}T00:00:00Z`);
  if (!isoDate.test(value) || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) {
    issues.push({ field, message: `must be an ISO date such as 2026-03-01, got ${JSON.stringify(value)}` });

    return undefined;
  }

  return date;
}

/** Names of the history query's fields in the caller's API, for error messages. */
export interface HistoryFieldNames {
  startDate: string;
  endDate: string;
  resourceType: string;
}

export const restHistoryFieldNames: HistoryFieldNames = {
  startDate: 'start_date',
  endDate: 'end_date',
  resourceType: 'resource_type',
};

/** Checks a history query; the range defaults to the 30 days ending today. */
export function parseHistoryQuery(query: HistoryQuery, now = new Date(), names = restHistoryFieldNames) {
  const issues: FieldIssue[] = [];
  const end = query.endDate === undefined ? utcDay(now) : parseDate(query.endDate, names.endDate, issues);
  const start =
    query.startDate === undefined
      ? end === undefined
        ? undefined
        : new Date(end.getTime() - (defaultHistoryDays - 1) * dayMs)
      : parseDate(query.startDate, names.startDate, issues);
  const type = query.resourceType;
  if (type !== undefined && !(historyResourceTypes as readonly string[]).includes(type)) {
    issues.push({
      field: names.resourceType,
      message: `must be one of ${historyResourceTypes.join(', ')}, got ${JSON.stringify(type)}`,
    });
  }
  if (start !== undefined && end !== undefined) {
    if (start > end) {
      issues.push({ field: names.startDate, message: `must not be after ${names.endDate}` });
    } else if ((end.getTime() - start.getTime()) / dayMs + 1 > maxHistoryDays) {
      issues.push({ field: names.endDate, message: `must be at most ${maxHistoryDays} days after ${names.startDate}` });
    }
  }
  if (issues.length > 0) {
    throw new ValidationError(issues, 'Invalid usage history query');
  }

  return {
    start: start!,
    end: end!,
    types: type === undefined ? [...historyResourceTypes] : [type as HistoryResourceType],
  };
}

/**
 * One record per day and resource type in the range, days without use included, oldest
 * first; `offset` and `limit` page through them.
 */
export async function usageHistory(
  ctx: ServiceContext,
  query: HistoryQuery,
  page: { offset: number; limit: number },
  now = new Date(),
  fieldNames = restHistoryFieldNames,
): Promise<{ records: HistoryRecord[]; total: number }> {
  const { start, end, types } = parseHistoryQuery(query, now, fieldNames);
  const days = Math.round((end.getTime() - start.getTime()) / dayMs) + 1;
  const rows = await ctx.prisma.$queryRaw<{ day: Date; resource: HistoryResourceType; count: number }[]>`
    SELECT d.day::date AS day, r.resource, COALESCE(u.count, 0)::int AS count
    FROM generate_series(${start}::date, ${end}::date, interval '1 day') AS d(day)
    CROSS JOIN unnest(${types}::text[]) WITH ORDINALITY AS r(resource, position)
    LEFT JOIN usage_counters u
      ON u.account_id = ${ctx.tenant.accountId} AND u.livemode = ${ctx.tenant.livemode}
      AND u.day = d.day::date AND u.resource = r.resource
    ORDER BY d.day, r.position
    LIMIT ${page.limit} OFFSET ${page.offset}`;

  return {
    records: rows.map((row) => ({ date: row.day.toISOString().slice(0, 10), resourceType: row.resource, count: row.count })),
    total: days * types.length,
  };
}

type QuotaName = keyof Quotas;

const metricNames: Record<QuotaName, string> = {
  apiCalls: 'api_calls',
  toolsExecuted: 'tools_executed',
  agentsActive: 'agents_active',
  fleetsActive: 'fleets_active',
  voiceMinutes: 'voice_minutes',
  storageMb: 'storage_mb',
};

/** Raises `quota_exceeded` when one more unit would pass the plan's allowance. */
export function assertWithinQuota(plan: PlanTier, quota: QuotaName, used: number): void {
  const limit = plans[plan].quotas[quota];
  if (limit !== null && used >= limit) {
    throw new AppError(
      ErrorCode.QuotaExceeded,
      `The ${plan} plan allows ${limit} ${metricNames[quota]} and this account has used ${used}; upgrade the plan or free some up`,
    );
  }
}

/**
 * Raises `usage.threshold` when `used` first reaches 80 % and again 100 % of the plan's
 * allowance in a period. The threshold rows make each level fire once per period, even
 * with several instances.
 */
export async function reportThresholds(
  tx: Prisma.TransactionClient,
  tenant: Tenant,
  plan: PlanTier,
  quota: QuotaName,
  used: number,
  now = new Date(),
): Promise<void> {
  const limit = plans[plan].quotas[quota];
  if (limit === null || limit === 0) {
    return;
  }
  const period = periodOf(now);
  for (const level of [80, 100]) {
    if (used * 100 < limit * level) {
      continue;
    }
    const inserted = await tx.$executeRaw`
      INSERT INTO usage_thresholds (account_id, livemode, period, resource, level)
      VALUES (${tenant.accountId}, ${tenant.livemode}, ${period}, ${metricNames[quota]}, ${level})
      ON CONFLICT DO NOTHING`;
    if (inserted > 0) {
      await recordEvent(tx, tenant, 'usage.threshold', {
        period,
        metric: metricNames[quota],
        threshold_percent: level,
        used,
        limit,
      });
    }
  }
}

/** The month's total of `resource` so far, for quota checks. */
export function usedThisPeriod(db: Prisma.TransactionClient | PrismaClient, tenant: Tenant, resource: MeteredResource, now = new Date()) {
  return monthTotal(db, tenant, resource, now);
}
