import { z } from 'zod';
import type { Tool } from '../generated/prisma/client.js';
import { ValidationError } from '../errors.js';
import { parsePageRequest } from '../pagination.js';
import { invertFields, mapBodyFields } from '../rest/fields.js';
import { dataResponse, json, pageResponse } from '../rest/responses.js';
import { route, type RouteList } from '../rest/router.js';
import { dataEnvelope, deletedEnvelope, listEnvelope, pageEnvelope } from '../rest/route-docs.js';
import { isoTimestamp } from '../rest/timestamps.js';
import * as tools from './service.js';
import {
  executeToolBody,
  listToolsQuery,
  registerFields,
  registerToolBody,
  toolCategoryResource,
  toolNameParams,
  toolResource,
  toolRunResource,
  toolSummaryResource,
} from './rest-schemas.js';

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


export const toolRoutes: RouteList = [
  route({
    method: 'GET',
    path: '/api/v1/tools',
    scope: 'tools:read',
    docs: {
      operationId: 'listTools',
      summary: 'List or search tools',
      description: 'With `search` (or `q`) the list is ranked by relevance, otherwise ordered by name.',
      tag: 'tools',
      query: listToolsQuery,
      response: { status: 200, description: 'One page of tools', schema: pageEnvelope(toolSummaryResource) },
      errors: [],
    },
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
    docs: {
      operationId: 'registerTool',
      summary: 'Register an HTTP tool',
      description: 'The tool is visible only to this account.',
      tag: 'tools',
      body: registerToolBody,
      response: { status: 201, description: 'The new tool', schema: dataEnvelope(toolResource) },
      errors: ['conflict'],
    },
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
    docs: {
      operationId: 'listToolCategories',
      summary: 'List tool categories with their tool counts',
      tag: 'tools',
      response: { status: 200, description: 'Every category', schema: listEnvelope(toolCategoryResource) },
      errors: [],
    },
    async handler({ services }) {
      return json({ data: await tools.listCategories(services) });
    },
  }),
  route({
    method: 'GET',
    path: '/api/v1/tools/:name',
    scope: 'tools:read',
    docs: {
      operationId: 'getTool',
      summary: 'Fetch a tool with its input schema',
      tag: 'tools',
      params: toolNameParams,
      response: { status: 200, description: 'The tool', schema: dataEnvelope(toolResource) },
      errors: ['resource_not_found'],
    },
    async handler({ params, services }) {
      return dataResponse(serializeTool(await tools.getTool(services, params.name!)));
    },
  }),
  route({
    method: 'DELETE',
    path: '/api/v1/tools/:name',
    scope: '*',
    docs: {
      operationId: 'deleteTool',
      summary: 'Delete an HTTP tool of the account',
      tag: 'tools',
      params: toolNameParams,
      response: { status: 200, description: 'The name of the deleted tool', schema: deletedEnvelope(z.string(), 'name') },
      errors: ['resource_not_found', 'conflict'],
    },
    async handler({ params, services }) {
      const tool = await tools.deleteHttpTool(services, params.name!);

      return dataResponse({ name: tool.name, deleted: true });
    },
  }),
  route({
    method: 'POST',
    path: '/api/v1/tools/:name/execute',
    scope: 'tools:execute',
    docs: {
      operationId: 'executeTool',
      summary: 'Run a tool',
      tag: 'tools',
      params: toolNameParams,
      body: executeToolBody,
      response: { status: 200, description: "The tool's result", schema: dataEnvelope(toolRunResource) },
      errors: ['resource_not_found', 'plan_upgrade_required', 'quota_exceeded', 'tool_error', 'tool_timeout'],
    },
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
