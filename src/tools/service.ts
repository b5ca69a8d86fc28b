import { z } from 'zod';
import type { Principal } from '../auth/principal.js';
import type { ServiceContext } from '../context.js';
import { AppError, ErrorCode, notFound, ValidationError } from '../errors.js';
import type { ToolExecutedData } from '../events/catalogue.js';
import { recordEvent } from '../events/outbox.js';
import { assertWithinQuota, meter, reportThresholds, usedThisPeriod } from '../usage/service.js';
import { Prisma, type Tool } from '../generated/prisma/client.js';
import type { PlanTier } from '../generated/prisma/enums.js';
import { parseInput } from '../validation.js';
import { isToolCategory, toolCategories } from './categories.js';
import { toolTiers, type BuiltinTool, type InputSchema, type ToolTier } from './definition.js';
import { inputSchemaProblems, runBuiltinTool, runWithLimits, validateArguments, type RunLimits } from './engine.js';
import { httpToolSpec, placeholdersOf, runHttpTool, type HttpToolSpec } from './http-tools.js';
import type { OutboundNetwork } from './network.js';

/** What tool runs need beyond a service context; built once per server. */
export interface ToolRuntime {
  builtins: ReadonlyMap<string, BuiltinTool>;
  network: OutboundNetwork;
  limits: RunLimits;
}

const tierRank: Record<ToolTier, number> = { free: 0, starter: 1, pro: 2, enterprise: 3 };
const planRank: Record<PlanTier, number> = { free: 0, starter: 1, professional: 2, enterprise: 3 };

export const maxSearchLength = 200;
const maxSearchTerms = 10;

/** The text that search reads: the name split at underscores, the description and the tags. */
export function searchTextOf(tool: { name: string; description: string; tags: readonly string[] }): string {
  return [tool.name.replace(/_/g, ' '), tool.description, ...tool.tags].join(' ').toLowerCase();
}

/** Writes the built-in tools into the catalogue, changing only rows that differ. */
export async function syncBuiltinTools(ctx: Pick<ServiceContext, 'prisma' | 'log'>, builtins: readonly BuiltinTool[]): Promise<void> {
  const existing = await ctx.prisma.tool.findMany({ where: { kind: 'builtin' } });
  const byName = new Map(existing.map((tool) => [tool.name, tool]));
  let written = 0;
  for (const tool of builtins) {
    const data = {
      description: tool.description,
      category: tool.category,
      tier: tool.tier,
      tags: tool.tags,
      inputSchema: tool.inputSchema as Prisma.InputJsonValue,
      credits: tool.credits ?? 1,
      searchText: searchTextOf(tool),
    };
    const current = byName.get(tool.name);
    byName.delete(tool.name);
    if (current !== undefined && JSON.stringify({ ...pick(current), inputSchema: current.inputSchema }) === JSON.stringify(data)) {
      continue;
    }
    await ctx.prisma.tool.upsert({
      where: { name: tool.name },
      create: { name: tool.name, kind: 'builtin', ...data },
      update: { kind: 'builtin', ownerAccountId: null, ownerLivemode: null, http: Prisma.DbNull, ...data },
    });
    written += 1;
  }
  const removed = [...byName.keys()];
  if (removed.length > 0) {
    await ctx.prisma.tool.deleteMany({ where: { kind: 'builtin', name: { in: removed } } });
  }
  ctx.log.info({ builtins: builtins.length, written, removed: removed.length }, 'tool catalogue is current');
}

function pick(tool: Tool) {
  return {
    description: tool.description,
    category: tool.category,
    tier: tool.tier,
    tags: tool.tags,
    inputSchema: tool.inputSchema,
    credits: tool.credits,
    searchText: tool.searchText,
  };
}

/** Built-in tools and the caller's own HTTP tools. */
function visibleTo(ctx: ServiceContext): Prisma.ToolWhereInput {
  return {
    OR: [{ ownerAccountId: null }, { ownerAccountId: ctx.tenant.accountId, ownerLivemode: ctx.tenant.livemode }],
  };
}

export interface ToolFilter {
  search?: string | undefined;
  category?: string | undefined;
  tier?: string | undefined;
}

/** Checks list filters, naming every invalid one. */
export function parseToolFilter(filter: ToolFilter, names = { search: 'search', category: 'category', tier: 'tier' }) {
  const issues = [];
  const search = filter.search?.trim();
  if (search !== undefined && search.length > maxSearchLength) {
    issues.push({ field: names.search, message: `must be at most ${maxSearchLength} characters` });
  }
  if (filter.category !== undefined && !isToolCategory(filter.category)) {
    issues.push({
      field: names.category,
      message: `must be a category slug (${toolCategories.map((category) => category.slug).join(', ')}), got ${JSON.stringify(filter.category)}`,
    });
  }
  if (filter.tier !== undefined && !(toolTiers as readonly string[]).includes(filter.tier)) {
    issues.push({ field: names.tier, message: `must be one of ${toolTiers.join(', ')}, got ${JSON.stringify(filter.tier)}` });
  }
  if (issues.length > 0) {
    throw new ValidationError(issues, 'Invalid tool filters');
  }

  return {
    search: search === '' ? undefined : search,
    category: filter.category,
    tier: filter.tier as ToolTier | undefined,
  };
}

export interface ToolPage {
  tools: Tool[];
  total: number;
}

/**
 * Lists tools the caller can use. With a search, results are ranked: full-text matches
 * (English stemming, prefix terms) first, weighted up when a term is in the name, with
 * trigram word similarity catching misspellings such as "dsn lookup". Without one,
 * tools are ordered by name.
 */
export async function listTools(
  ctx: ServiceContext,
  rawFilter: ToolFilter,
  page: { offset: number; limit: number },
): Promise<ToolPage> {
  const filter = parseToolFilter(rawFilter);
  const where: Prisma.ToolWhereInput = {
    AND: [visibleTo(ctx), filter.category === undefined ? {} : { category: filter.category }, filter.tier === undefined ? {} : { tier: filter.tier }],
  };
  const terms = filter.search === undefined ? [] : searchTerms(filter.search);
  if (filter.search !== undefined && terms.length === 0) {
    // A search of only punctuation matches nothing, rather than everything.
    return { tools: [], total: 0 };
  }
  if (terms.length === 0) {
    const [tools, total] = await ctx.prisma.$transaction([
      ctx.prisma.tool.findMany({ where, orderBy: { name: 'asc' }, skip: page.offset, take: page.limit }),
      ctx.prisma.tool.count({ where }),
    ]);

    return { tools, total };
  }

  const text = terms.join(' ');
  const tsquery = terms.map((term) => `${term}:*`).join(' | ');
  const conditions = [
    Prisma.sql`(t.owner_account_id IS NULL OR (t.owner_account_id = ${ctx.tenant.accountId} AND t.owner_livemode = ${ctx.tenant.livemode}))`,
    Prisma.sql`(to_tsvector('english', t.search_text) @@ q.query OR ${text} <% t.search_text)`,
  ];
  if (filter.category !== undefined) {
    conditions.push(Prisma.sql`t.category = ${filter.category}`);
  }
  if (filter.tier !== undefined) {
    conditions.push(Prisma.sql`t.tier = ${filter.tier}::"ToolTier"`);
  }
  const whereSql = Prisma.join(conditions, ' AND ');
  const [ranked, counted] = await ctx.prisma.$transaction([
    ctx.prisma.$queryRaw<{ id: number }[]>`
      SELECT t.id
      FROM tools t, (SELECT to_tsquery('english', ${tsquery}) AS query) q
      WHERE ${whereSql}
      ORDER BY
        ts_rank(to_tsvector('english', t.search_text), q.query) * 4
          + word_similarity(${text}, t.search_text)
          + (SELECT count(*) FROM unnest(${terms}::text[]) AS term WHERE t.name LIKE '%' || term || '%') * 2
          + CASE WHEN t.name = ${terms.join('_')} THEN 10 ELSE 0 END
          DESC,
        t.name ASC
      LIMIT ${page.limit} OFFSET ${page.offset}`,
    ctx.prisma.$queryRaw<{ total: number }[]>`
      SELECT count(*)::int AS total
      FROM tools t, (SELECT to_tsquery('english', ${tsquery}) AS query) q
      WHERE ${whereSql}`,
  ]);
  const rows = await ctx.prisma.tool.findMany({ where: { id: { in: ranked.map((row) => row.id) } } });
  const byId = new Map(rows.map((row) => [row.id, row]));

  return {
    tools: ranked.map((row) => byId.get(row.id)).filter((tool): tool is Tool => tool !== undefined),
    total: counted[0]?.total ?? 0,
  };
}

/** Lower-case words of a query, at most ten, safe to place in a tsquery. */
function searchTerms(search: string): string[] {
  return [...new Set(search.toLowerCase().split(/[^a-z0-9]+/).filter((term) => term !== ''))]
    .slice(0, maxSearchTerms)
    .map((term) => term.slice(0, 50));
}

export interface CategoryCount {
  slug: string;
  name: string;
  count: number;
}

/** Every category with the number of tools in it that the caller can use. */
export async function listCategories(ctx: ServiceContext): Promise<CategoryCount[]> {
  const groups = await ctx.prisma.tool.groupBy({ by: ['category'], where: visibleTo(ctx), _count: { _all: true } });
  const counts = new Map(groups.map((group) => [group.category, group._count._all]));

  return toolCategories.map((category) => ({ slug: category.slug, name: category.name, count: counts.get(category.slug) ?? 0 }));
}

/** The tools among `names` that the caller can use, in no particular order; unknown names are left out. */
export async function findToolsByName(ctx: ServiceContext, names: readonly string[]): Promise<Tool[]> {
  if (names.length === 0) {
    return [];
  }

  return ctx.prisma.tool.findMany({ where: { AND: [visibleTo(ctx), { name: { in: [...names] } }] } });
}

/** True when an account on `plan` may run a tool of `tier`. */
export function planAllowsTier(plan: PlanTier, tier: ToolTier): boolean {
  return tierRank[tier] <= planRank[plan];
}

export async function getTool(ctx: ServiceContext, name: string): Promise<Tool> {
  const tool = await ctx.prisma.tool.findFirst({ where: { AND: [visibleTo(ctx), { name }] } });
  if (tool === null) {
    throw notFound('Tool', name);
  }

  return tool;
}

export interface ToolExecutionResult {
  tool: string;
  result: Record<string, unknown>;
  executionTimeMs: number;
  credits: number;
}

/**
 * Runs a tool for the caller and records the run. A tool above the account's plan is
 * rejected before it runs; failed runs are recorded without credits.
 */
export async function executeTool(
  ctx: ServiceContext,
  principal: Pick<Principal, 'plan'>,
  runtime: ToolRuntime,
  name: string,
  args: unknown,
): Promise<ToolExecutionResult> {
  const tool = await getTool(ctx, name);
  if (tierRank[tool.tier] > planRank[principal.plan]) {
    throw new AppError(
      ErrorCode.PlanUpgradeRequired,
      `Tool ${tool.name} needs the ${tool.tier} tier, but this account is on the ${principal.plan} plan; upgrade the plan to use it`,
    );
  }
  if (ctx.plan !== undefined) {
    assertWithinQuota(ctx.plan, 'toolsExecuted', await usedThisPeriod(ctx.prisma, ctx.tenant, 'tools'));
  }
  const environment = { network: runtime.network, log: ctx.log };
  const started = performance.now();
  try {
    let outcome;
    if (tool.kind === 'builtin') {
      const builtin = runtime.builtins.get(tool.name);
      if (builtin === undefined) {
        throw new AppError(ErrorCode.ServiceUnavailable, `Tool ${tool.name} is not available on this server version`);
      }
      outcome = await runBuiltinTool(builtin, args, environment, runtime.limits);
    } else {
      const spec = httpToolSpec.parse(tool.http);
      const validated = validateArguments(tool.inputSchema as InputSchema, args, `${tool.id}:${tool.updatedAt.getTime()}`);
      outcome = await runWithLimits(tool.name, tool.credits, (context) => runHttpTool(spec, validated, context), environment, runtime.limits);
    }
    await recordExecution(ctx, tool.name, 'succeeded', outcome.credits, outcome.executionTimeMs, null);

    return { tool: tool.name, result: outcome.result, executionTimeMs: outcome.executionTimeMs, credits: outcome.credits };
  } catch (error) {
    if (error instanceof AppError && error.code !== ErrorCode.ValidationError) {
      const status = error.code === ErrorCode.ToolTimeout ? 'timed_out' : 'failed';
      await recordExecution(ctx, tool.name, status, 0, Math.round(performance.now() - started), error.message);
    }
    throw error;
  }
}

async function recordExecution(
  ctx: ServiceContext,
  toolName: string,
  status: 'succeeded' | 'failed' | 'timed_out',
  credits: number,
  durationMs: number,
  error: string | null,
): Promise<void> {
  await ctx.prisma.$transaction(async (tx) => {
    await tx.toolExecution.create({
      data: { accountId: ctx.tenant.accountId, livemode: ctx.tenant.livemode, toolName, status, credits, durationMs, error },
    });
    await recordEvent(tx, ctx.tenant, 'tool.executed', {
      tool: toolName,
      status,
      credits,
      execution_time_ms: durationMs,
      error,
    } satisfies ToolExecutedData);
    // Only successful runs count against the monthly allowance, as only they cost credits.
    if (status === 'succeeded') {
      await meter(tx, ctx.tenant, 'tools');
      if (ctx.plan !== undefined) {
        await reportThresholds(tx, ctx.tenant, ctx.plan, 'toolsExecuted', await usedThisPeriod(tx, ctx.tenant, 'tools'));
      }
    }
  });
}

const toolName = z
  .string({ error: 'is required and must be a string' })
  .regex(/^[a-z][a-z0-9_]{1,63}$/, { error: 'must be 2 to 64 characters of lowercase letters, digits and underscores, starting with a letter' })
  .refine((name) => name !== 'categories', { error: 'is reserved' });

export const registerInput = z.strictObject({
  name: toolName,
  description: z.string({ error: 'is required and must be a string' }).trim().min(1, { error: 'must not be empty' }).max(1000, { error: 'must be at most 1000 characters' }),
  category: z.string({ error: 'is required and must be a category slug' }).refine(isToolCategory, {
    error: `must be a category slug (${toolCategories.map((category) => category.slug).join(', ')})`,
  }),
  tier: z.enum(toolTiers, { error: `must be one of ${toolTiers.join(', ')}` }).default('free'),
  tags: z.array(z.string().trim().toLowerCase().min(1).max(40), { error: 'must be an array of strings' }).max(20, { error: 'must list at most 20 tags' }).default([]),
  inputSchema: z.unknown(),
  http: httpToolSpec,
});

export type RegisterHttpToolInput = z.input<typeof registerInput>;

/** A checked HTTP tool registration, ready to insert. */
export type HttpToolRegistration = z.output<typeof registerInput> & { inputSchema: InputSchema };

/**
 * Checks an HTTP tool registration without writing it: the fields, the input schema, and
 * that every URL placeholder is an argument. `fieldNames` renames fields in errors, and a
 * `prefix` such as `manifest.tools.0` places them inside a larger document.
 */
export function parseHttpToolRegistration(
  input: RegisterHttpToolInput,
  fieldNames: Record<string, string> = {},
  prefix = '',
): HttpToolRegistration {
  const at = (field: string) => (prefix === '' ? field : `${prefix}.${field}`);
  let data;
  try {
    data = parseInput(registerInput, input, fieldNames);
  } catch (error) {
    if (error instanceof ValidationError && prefix !== '') {
      throw new ValidationError((error.details ?? []).map((issue) => ({ ...issue, field: at(issue.field) })));
    }
    throw error;
  }
  const schemaField = fieldNames.inputSchema ?? 'inputSchema';
  const problem = inputSchemaProblems(data.inputSchema);
  if (problem !== undefined) {
    throw new ValidationError([{ field: at(schemaField), message: problem }]);
  }
  const schema = data.inputSchema as InputSchema;
  const missing = placeholdersOf(data.http).filter((name) => !(name in (schema.properties ?? {})));
  if (missing.length > 0) {
    throw new ValidationError([
      { field: at(`${fieldNames.http ?? 'http'}.url`), message: `uses placeholders that input_schema does not define: ${missing.join(', ')}` },
    ]);
  }

  return { ...data, inputSchema: schema };
}

/** Registers an HTTP tool of the caller's account; its name must be free in the catalogue. */
export async function registerHttpTool(
  ctx: ServiceContext,
  input: RegisterHttpToolInput,
  fieldNames: Record<string, string> = {},
): Promise<Tool> {
  const data = parseHttpToolRegistration(input, fieldNames);
  const tool = await insertHttpTool(ctx.prisma, ctx, data);
  ctx.log.info({ tool: tool.name }, 'registered HTTP tool');

  return tool;
}

/**
 * Writes a checked registration as a tool of the caller's tenant, through `db`, which may
 * be a transaction of another domain. A name taken in the catalogue is a conflict.
 */
export async function insertHttpTool(
  db: Prisma.TransactionClient,
  ctx: ServiceContext,
  data: HttpToolRegistration,
): Promise<Tool> {
  const taken = await db.tool.findUnique({ where: { name: data.name }, select: { id: true } });
  if (taken !== null) {
    throw new AppError(ErrorCode.Conflict, `A tool named ${data.name} already exists; choose another name`);
  }

  return db.tool.create({
    data: {
      name: data.name,
      description: data.description,
      category: data.category,
      tier: data.tier,
      tags: data.tags,
      inputSchema: data.inputSchema as Prisma.InputJsonValue,
      kind: 'http',
      http: data.http satisfies HttpToolSpec as Prisma.InputJsonValue,
      ownerAccountId: ctx.tenant.accountId,
      ownerLivemode: ctx.tenant.livemode,
      searchText: searchTextOf(data),
    },
  });
}

/** Removes one of the caller's HTTP tools. Built-in tools cannot be removed. */
export async function deleteHttpTool(ctx: ServiceContext, name: string): Promise<Tool> {
  const tool = await getTool(ctx, name);
  if (tool.ownerAccountId === null) {
    throw new AppError(ErrorCode.Conflict, `Tool ${name} is built in and cannot be deleted`);
  }
  await ctx.prisma.tool.delete({ where: { id: tool.id } });

  return tool;
}
