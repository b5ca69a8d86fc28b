import { parsePageRequest } from '../pagination.js';
import { json, pageResponse } from '../rest/responses.js';
import { route, type RouteList } from '../rest/router.js';
import { dataEnvelope, pageEnvelope } from '../rest/route-docs.js';
import type { UsageRecorder } from '../server/plugins/rate-limit.js';
import { usageHistory, usageSummary, type UsageFigure } from './service.js';
import { usageHistoryQuery, usageRecordResource, usageSummaryResource } from './rest-schemas.js';

function figure(value: UsageFigure) {
  return { used: value.used, limit: value.limit };
}

/** Usage routes; `usage` lets them count the API calls still being written. */
export function usageRoutes(usage: UsageRecorder): RouteList {
  return [
    route({
      method: 'GET',
      path: '/api/v1/usage',
      scope: 'usage:read',
      docs: {
        operationId: 'getUsage',
        summary: 'Usage in the current billing period',
        tag: 'usage',
        response: { status: 200, description: 'Each metric with its plan limit', schema: dataEnvelope(usageSummaryResource) },
        errors: [],
      },
      async handler({ services, principal }) {
        await usage.settled();
        const summary = await usageSummary(services, principal.plan);

        return json({
          data: {
            period: summary.period,
            plan: summary.plan,
            api_calls: figure(summary.apiCalls),
            tools_executed: figure(summary.toolsExecuted),
            agents_active: figure(summary.agentsActive),
            fleets_active: figure(summary.fleetsActive),
            voice_minutes: figure(summary.voiceMinutes),
            storage_mb: figure(summary.storageMb),
          },
        });
      },
    }),
    route({
      method: 'GET',
      path: '/api/v1/usage/history',
      scope: 'usage:read',
      docs: {
        operationId: 'getUsageHistory',
        summary: 'Usage per day and resource type',
        description: 'One record per day and resource type, days without use included, oldest first.',
        tag: 'usage',
        query: usageHistoryQuery,
        response: { status: 200, description: 'One page of daily records', schema: pageEnvelope(usageRecordResource) },
        errors: [],
      },
      async handler({ services, query }) {
        const page = parsePageRequest(query);
        await usage.settled();
        const result = await usageHistory(
          services,
          {
            startDate: query.get('start_date') ?? undefined,
            endDate: query.get('end_date') ?? undefined,
            resourceType: query.get('resource_type') ?? undefined,
          },
          { offset: page.offset, limit: page.perPage },
        );

        return pageResponse(
          result.records.map((record) => ({ date: record.date, resource_type: record.resourceType, count: record.count })),
          result.total,
          page,
        );
      },
    }),
  ];
}
