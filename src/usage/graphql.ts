import { resolveOffsetConnection } from '@pothos/plugin-relay';
import { builder } from '../graphql/builder.js';
import { PlanTierEnum } from '../accounts/graphql.js';
import { historyResourceTypes, usageHistory, usageSummary, type HistoryRecord, type UsageFigure, type UsageSummary } from './service.js';

const UsageFigureType = builder.objectRef<UsageFigure>('UsageFigure').implement({
  fields: (t) => ({
    used: t.exposeInt('used'),
    limit: t.exposeInt('limit', { nullable: true, description: 'Null means unlimited.' }),
  }),
});

const UsageSummaryType = builder.objectRef<UsageSummary>('UsageSummary').implement({
  description: "The current billing period's usage and the plan's allowances.",
  fields: (t) => ({
    period: t.exposeString('period', { description: 'The UTC month, as YYYY-MM.' }),
    plan: t.expose('plan', { type: PlanTierEnum }),
    apiCalls: t.expose('apiCalls', { type: UsageFigureType }),
    toolsExecuted: t.expose('toolsExecuted', { type: UsageFigureType }),
    agentsActive: t.expose('agentsActive', { type: UsageFigureType }),
    fleetsActive: t.expose('fleetsActive', { type: UsageFigureType }),
    voiceMinutes: t.expose('voiceMinutes', { type: UsageFigureType }),
    storageMb: t.expose('storageMb', { type: UsageFigureType }),
  }),
});

const UsageResourceTypeEnum = builder.enumType('UsageResourceType', { values: historyResourceTypes });

const UsageRecordType = builder.objectRef<HistoryRecord>('UsageRecord').implement({
  fields: (t) => ({
    date: t.exposeString('date', { description: 'The UTC day, as YYYY-MM-DD.' }),
    resourceType: t.expose('resourceType', { type: UsageResourceTypeEnum }),
    count: t.exposeInt('count'),
  }),
});

builder.queryFields((t) => ({
  usage: t.field({
    type: UsageSummaryType,
    authScopes: { scope: 'usage:read' },
    resolve: async (_parent, _args, context) => {
      await context.usage.settled();

      return usageSummary(context.services(), context.principal!.plan);
    },
  }),
  usageHistory: t.connection(
    {
      type: UsageRecordType,
      authScopes: { scope: 'usage:read' },
      description: 'One record per day and resource type, oldest first; the range defaults to the last 30 days.',
      args: {
        startDate: t.arg.string({ description: 'ISO date, such as 2026-03-01.' }),
        endDate: t.arg.string(),
        resourceType: t.arg({ type: UsageResourceTypeEnum }),
      },
      resolve: async (_parent, args, context) => {
        await context.usage.settled();
        let total = 0;
        const connection = await resolveOffsetConnection({ args, defaultSize: 30, maxSize: 400 }, async ({ offset, limit }) => {
          const page = await usageHistory(
            context.services(),
            { startDate: args.startDate ?? undefined, endDate: args.endDate ?? undefined, resourceType: args.resourceType ?? undefined },
            { offset, limit },
            new Date(),
            { startDate: 'startDate', endDate: 'endDate', resourceType: 'resourceType' },
          );
          total = page.total;

          return page.records;
        });

        return { ...connection, totalCount: total };
      },
    },
    {
      fields: (connection) => ({
        totalCount: connection.int({ resolve: (parent) => (parent as { totalCount?: number }).totalCount ?? 0 }),
      }),
    },
    {},
  ),
}));
