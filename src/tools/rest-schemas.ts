import { z } from 'zod';
import { named, pageQuery, restBody, timestamp } from '../rest/route-docs.js';
import { toolCategories } from './categories.js';
import { toolTiers } from './definition.js';
import { httpToolMethods } from './http-tools.js';
import { maxSearchLength, registerInput } from './service.js';

/** REST body fields of `POST /tools` and the service fields they map to. */
export const registerFields = {
  name: 'name',
  description: 'description',
  category: 'category',
  tier: 'tier',
  tags: 'tags',
  input_schema: 'inputSchema',
  http: 'http',
} as const;

const categorySlugs = toolCategories.map((category) => category.slug);

export const registerToolBody = restBody(registerInput, registerFields, {
  name: 'Tool name in snake_case; it shares the catalogue namespace with the built-in tools',
  category: 'Category slug',
  input_schema: 'JSON Schema of the arguments',
  http: 'The request the tool makes; `{name}` placeholders in the URL and headers take the argument of that name',
});

export const listToolsQuery = pageQuery.extend({
  search: z.string().max(maxSearchLength).optional().describe('Search text, ranked by relevance'),
  q: z.string().max(maxSearchLength).optional().describe('Alias of search'),
  category: z.enum(categorySlugs).optional().describe('Category slug'),
  tier: z.enum(toolTiers).optional(),
});

export const executeToolBody = z.strictObject({
  args: z.record(z.string(), z.unknown()).describe("Arguments, validated against the tool's input_schema"),
});

const toolSummaryShape = {
  name: z.string(),
  description: z.string(),
  category: z.string().describe('Category slug'),
  tier: z.enum(toolTiers),
  tags: z.array(z.string()),
  kind: z.enum(['builtin', 'http']),
  credits: z.int().min(0).describe('Credits one successful run costs'),
};

/** A tool as `GET /tools` lists it. */
export const toolSummaryResource = named('ToolSummary', z.object(toolSummaryShape));

/** A tool with its input schema; the account's own HTTP tools also carry their request. */
export const toolResource = named(
  'Tool',
  z.object({
    ...toolSummaryShape,
    input_schema: z.record(z.string(), z.unknown()).describe('JSON Schema of the arguments of execute'),
    http: z
      .object({ method: z.enum(httpToolMethods), url: z.string(), headers: z.record(z.string(), z.string()) })
      .optional()
      .describe('HTTP tools only: the request the tool makes'),
    created_at: timestamp.optional().describe('HTTP tools only'),
  }),
);

export const toolCategoryResource = named(
  'ToolCategory',
  z.object({
    slug: z.enum(categorySlugs).describe('Value of the category filter'),
    name: z.string(),
    count: z.int().min(0).describe('Tools in the category that the caller can use'),
  }),
);

export const toolRunResource = named(
  'ToolRun',
  z.object({
    tool: z.string(),
    result: z.unknown().describe('Tool-specific output'),
    execution_time_ms: z.int().min(0),
    credits_used: z.int().min(0),
  }),
);

export const toolNameParams = z.object({ name: z.string().describe('Tool name, such as dns_lookup') });
