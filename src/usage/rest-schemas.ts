import { z } from 'zod';
import { PlanTier } from '../generated/prisma/enums.js';
import { named, pageQuery } from '../rest/route-docs.js';
import { historyResourceTypes, maxHistoryDays } from './service.js';

const isoDate = z.string().meta({ format: 'date', examples: ['2026-03-01'] });

const figure = named(
  'UsageFigure',
  z.object({
    used: z.int().min(0),
    limit: z.int().min(0).nullable().describe("The plan's allowance; null is unlimited"),
  }),
);

export const usageSummaryResource = named(
  'UsageSummary',
  z.object({
    period: z.string().meta({ examples: ['2026-03'] }).describe('The UTC calendar month, YYYY-MM'),
    plan: z.enum(Object.values(PlanTier)),
    api_calls: figure,
    tools_executed: figure,
    agents_active: figure,
    fleets_active: figure,
    voice_minutes: figure,
    storage_mb: figure,
  }),
);

export const usageHistoryQuery = pageQuery.extend({
  start_date: isoDate.optional().describe('First day, inclusive; defaults to 29 days before end_date'),
  end_date: isoDate.optional().describe(`Last day, inclusive; defaults to today; at most ${maxHistoryDays} days after start_date`),
  resource_type: z.enum(historyResourceTypes).optional().describe('Only this resource type; all when left out'),
});

export const usageRecordResource = named(
  'UsageRecord',
  z.object({
    date: isoDate,
    resource_type: z.enum(historyResourceTypes),
    count: z.int().min(0),
  }),
);
