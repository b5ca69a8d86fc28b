import type { Tool } from '../generated/prisma/client.js';
import { ValidationError } from '../errors.js';
import { parsePageRequest } from '../pagination.js';
import { invertFields, mapBodyFields } from '../rest/fields.js';
import { dataResponse, json, pageResponse } from '../rest/responses.js';
import { route, type RouteList } from '../rest/router.js';
import { isoTimestamp } from '../rest/timestamps.js';
import * as tools from './service.js';

/** A tool as REST v1 lists it. */
export function serializeToolSummary(tool: Tool) {
  return {
    name: tool.name,
    description: tool.description,
    category: tool.category,
    tier: tool.tier,
    tags: tool.tags,
    kind: tool.kind,
    credits: tool.credits,
  };
}

/** A tool with its input schema, and for the caller's own HTTP tools, their request. */
export function serializeTool(tool: Tool) {
  return {
    ...serializeToolSummary(tool),
    input_schema: tool.inputSchema,
    ...(tool.kind === 'http' ? { http: tool.http, created_at: isoTimestamp(tool.createdAt) } : {}),
  };
}

const registerFields = {
  name: 'name',
  description: 'description',
  category: 'category',
  tier: 'tier',
  tags: 'tags',
  input_schema: 'inputSchema',
  http: 'http',
} as const;

export const toolRoutes: RouteList = [
  route({
    method: 'GET',
    path: '/api/v1/tools',
    scope: 'tools:read',
    async handler({ query, services }) {
      const page = parsePageRequest(query);
      const search = query.get('search') ?? query.get('q') ?? undefined;
      const result = await tools.listTools(
        services,
        { search, category: query.get('category') ?? undefined, tier: query.get('tier') ?? undefined },
        { offset: page.offset, limit: page.perPage },
      );

      return pageResponse(result.tools.map(serializeToolSummary), result.total, page);
    },
  }),
  route({
    method: 'POST',
    path: '/api/v1/tools',
    scope: '*',
    async handler({ body, services }) {
      const input = mapBodyFields(await body(), registerFields) as tools.RegisterHttpToolInput;
      const tool = await tools.registerHttpTool(services, input, invertFields(registerFields));

      return dataResponse(serializeTool(tool), 201);
    },
  }),
  route({
    method: 'GET',
    path: '/api/v1/tools/categories',
    scope: 'tools:read',
    async handler({ services }) {
      return json({ data: await tools.listCategories(services) });
    },
  }),
  route({
    method: 'GET',
    path: '/api/v1/tools/:name',
    scope: 'tools:read',
    async handler({ params, services }) {
      return dataResponse(serializeTool(await tools.getTool(services, params.name!)));
    },
  }),
  route({
    method: 'DELETE',
    path: '/api/v1/tools/:name',
    scope: '*',
    async handler({ params, services }) {
      const tool = await tools.deleteHttpTool(services, params.name!);

      return dataResponse({ name: tool.name, deleted: true });
    },
  }),
  route({
    method: 'POST',
    path: '/api/v1/tools/:name/execute',
    scope: 'tools:execute',
    async handler({ params, body, services, principal, deps }) {
      const input = mapBodyFields(await body(), { args: 'args' });
      if (input.args === undefined) {
        throw new ValidationError([{ field: 'args', message: 'is required and must be a JSON object' }]);
      }
      const run = await tools.executeTool(services, principal, deps.tools, params.name!, input.args);

      return dataResponse({
        tool: run.tool,
        result: run.result,
        execution_time_ms: run.executionTimeMs,
        credits_used: run.credits,
      });
    },
  }),
];
