import semver from 'semver';
import { z } from 'zod';
import type { ServiceContext } from '../context.js';
import { AppError, ErrorCode, notFound, ValidationError, type FieldIssue } from '../errors.js';
import { Prisma, type MarketplaceItem } from '../generated/prisma/client.js';
import { parseDatabaseId } from '../ids.js';
import { parseInput, toFieldIssues, type FieldNames } from '../validation.js';
import { itemTypes, parseManifest, toolNamesOf, type ItemType, type Manifest } from './manifests.js';

export const itemSorts = ['popular', 'newest', 'rating'] as const;
export type ItemSort = (typeof itemSorts)[number];

export const maxSearchLength = 200;
const maxSearchTerms = 10;

export const maxItemNameLength = 100;
export const maxSummaryLength = 200;
export const maxDescriptionLength = 5000;

function requiredString(issue: { input?: unknown }): string {
  return issue.input === undefined ? 'is required and must be a string' : 'must be a string';
}

const name = z
  .string({ error: requiredString })
  .trim()
  .min(1, { error: 'must not be empty' })
  .max(maxItemNameLength, { error: `must be at most ${maxItemNameLength} characters` });
const summary = z
  .string({ error: requiredString })
  .trim()
  .min(1, { error: 'must not be empty' })
  .max(maxSummaryLength, { error: `must be at most ${maxSummaryLength} characters` });
const description = z
  .string({ error: 'must be a string' })
  .trim()
  .max(maxDescriptionLength, { error: `must be at most ${maxDescriptionLength} characters` });
const version = z
  .string({ error: requiredString })
  .max(64, { error: 'must be at most 64 characters' })
  .refine((value) => semver.valid(value) === value, {
    error: (issue) => `must be a semantic version such as 1.0.0, got ${JSON.stringify(issue.input)}`,
  });
const type = z.enum(itemTypes, {
  error: (issue) =>
    issue.input === undefined
      ? `is required and must be one of ${itemTypes.join(', ')}`
      : `must be one of ${itemTypes.join(', ')}, got ${JSON.stringify(issue.input)}`,
});

/** A new item; the manifest is checked against `type` afterwards. */
export const publishInput = z.strictObject({
  type,
  name,
  summary,
  description: description.default(''),
  version: version.default('1.0.0'),
  manifest: z.unknown(),
});

/** A new version of an item: `version` must be higher than the current one. */
export const updateInput = z.strictObject({
  version,
  name: name.optional(),
  summary: summary.optional(),
  description: description.optional(),
  manifest: z.unknown().optional(),
});

export type PublishItemInput = z.input<typeof publishInput>;
export type UpdateItemInput = z.input<typeof updateInput>;

/** The text that search reads: name, summary, description, type and tool names. */
export function searchTextOf(item: { type: ItemType; name: string; summary: string; description: string; manifest: Manifest }): string {
  return [item.name, item.summary, item.description, item.type.replace(/_/g, ' '), ...toolNamesOf(item.type, item.manifest).map((tool) => tool.replace(/_/g, ' '))]
    .join(' ')
    .toLowerCase();
}

/**
 * Items the caller can see: built-in items, items published in live mode by any account,
 * and the caller's own test-mode items. Unpublished items are hidden from everyone.
 */
export function visibleTo(ctx: ServiceContext): Prisma.MarketplaceItemWhereInput {
  return {
    unpublishedAt: null,
    OR: [
      { publisherAccountId: null },
      { publisherLivemode: true },
      { publisherAccountId: ctx.tenant.accountId, publisherLivemode: ctx.tenant.livemode },
    ],
  };
}

function visibleSql(ctx: ServiceContext): Prisma.Sql {
  return Prisma.sql`(i.unpublished_at IS NULL AND (i.publisher_account_id IS NULL OR i.publisher_livemode = true
    OR (i.publisher_account_id = ${ctx.tenant.accountId} AND i.publisher_livemode = ${ctx.tenant.livemode})))`;
}

/** Reads an item the caller can see; any other id is "not found". */
export async function getItem(ctx: ServiceContext, id: string | number): Promise<MarketplaceItem> {
  const itemId = parseDatabaseId(id);
  const item = itemId === undefined ? null : await ctx.prisma.marketplaceItem.findFirst({ where: { AND: [visibleTo(ctx), { id: itemId }] } });
  if (item === null) {
    throw notFound('Marketplace item', id);
  }

  return item;
}

export interface ItemFilter {
  search?: string | undefined;
  type?: string | undefined;
  sort?: string | undefined;
}

/** Checks list filters, naming every invalid one. */
export function parseItemFilter(filter: ItemFilter) {
  const issues: FieldIssue[] = [];
  const search = filter.search?.trim();
  if (search !== undefined && search.length > maxSearchLength) {
    issues.push({ field: 'search', message: `must be at most ${maxSearchLength} characters` });
  }
  if (filter.type !== undefined && !(itemTypes as readonly string[]).includes(filter.type)) {
    issues.push({ field: 'type', message: `must be one of ${itemTypes.join(', ')}, got ${JSON.stringify(filter.type)}` });
  }
  if (filter.sort !== undefined && !(itemSorts as readonly string[]).includes(filter.sort)) {
    issues.push({ field: 'sort', message: `must be one of ${itemSorts.join(', ')}, got ${JSON.stringify(filter.sort)}` });
  }
  if (issues.length > 0) {
    throw new ValidationError(issues, 'Invalid marketplace filters');
  }

  return {
    search: search === '' ? undefined : search,
    type: filter.type as ItemType | undefined,
    sort: filter.sort as ItemSort | undefined,
  };
}

const orderBy: Record<ItemSort, Prisma.MarketplaceItemOrderByWithRelationInput[]> = {
  popular: [{ installCount: 'desc' }, { ratingAverage: { sort: 'desc', nulls: 'last' } }, { id: 'asc' }],
  newest: [{ createdAt: 'desc' }, { id: 'desc' }],
  rating: [{ ratingAverage: { sort: 'desc', nulls: 'last' } }, { ratingCount: 'desc' }, { id: 'asc' }],
};

const orderBySql: Record<ItemSort, Prisma.Sql> = {
  popular: Prisma.sql`i.install_count DESC, i.rating_average DESC NULLS LAST, i.id ASC`,
  newest: Prisma.sql`i.created_at DESC, i.id DESC`,
  rating: Prisma.sql`i.rating_average DESC NULLS LAST, i.rating_count DESC, i.id ASC`,
};

export interface ItemPage {
  items: MarketplaceItem[];
  total: number;
}

/**
 * Lists the items the caller can see. A search matches by full text (English stemming,
 * prefix terms) or by trigram word similarity, which catches misspellings. Matches are
 * ranked by relevance unless `sort` is given. Without a search, `sort` defaults to
 * `popular` (most installed first).
 */
export async function listItems(ctx: ServiceContext, rawFilter: ItemFilter, page: { offset: number; limit: number }): Promise<ItemPage> {
  const filter = parseItemFilter(rawFilter);
  const terms = filter.search === undefined ? [] : searchTerms(filter.search);
  if (filter.search !== undefined && terms.length === 0) {
    // A search of only punctuation matches nothing, rather than everything.
    return { items: [], total: 0 };
  }
  if (terms.length === 0) {
    const where: Prisma.MarketplaceItemWhereInput = { AND: [visibleTo(ctx), filter.type === undefined ? {} : { type: filter.type }] };
    const [items, total] = await ctx.prisma.$transaction([
      ctx.prisma.marketplaceItem.findMany({ where, orderBy: orderBy[filter.sort ?? 'popular'], skip: page.offset, take: page.limit }),
      ctx.prisma.marketplaceItem.count({ where }),
    ]);

    return { items, total };
  }

  const text = terms.join(' ');
  const tsquery = terms.map((term) => `${term}:*`).join(' | ');
  const conditions = [visibleSql(ctx), Prisma.sql`(to_tsvector('english', i.search_text) @@ q.query OR ${text} <% i.search_text)`];
  if (filter.type !== undefined) {
    conditions.push(Prisma.sql`i.type = ${filter.type}::"MarketplaceItemType"`);
  }
  const whereSql = Prisma.join(conditions, ' AND ');
  const relevance = Prisma.sql`ts_rank(to_tsvector('english', i.search_text), q.query) * 4
    + word_similarity(${text}, i.search_text)
    + CASE WHEN lower(i.name) LIKE ${`%${text}%`} THEN 2 ELSE 0 END DESC, i.id ASC`;
  const order = filter.sort === undefined ? relevance : orderBySql[filter.sort];
  const [ranked, counted] = await ctx.prisma.$transaction([
    ctx.prisma.$queryRaw<{ id: number }[]>`
      SELECT i.id
      FROM marketplace_items i, (SELECT to_tsquery('english', ${tsquery}) AS query) q
      WHERE ${whereSql}
      ORDER BY ${order}
      LIMIT ${page.limit} OFFSET ${page.offset}`,
    ctx.prisma.$queryRaw<{ total: number }[]>`
      SELECT count(*)::int AS total
      FROM marketplace_items i, (SELECT to_tsquery('english', ${tsquery}) AS query) q
      WHERE ${whereSql}`,
  ]);
  const rows = await ctx.prisma.marketplaceItem.findMany({ where: { id: { in: ranked.map((row) => row.id) } } });
  const byId = new Map(rows.map((row) => [row.id, row]));

  return {
    items: ranked.map((row) => byId.get(row.id)).filter((item): item is MarketplaceItem => item !== undefined),
    total: counted[0]?.total ?? 0,
  };
}

/** Lower-case words of a query, at most ten, safe to place in a tsquery. */
function searchTerms(search: string): string[] {
  return [...new Set(search.toLowerCase().split(/[^a-z0-9]+/).filter((term) => term !== ''))]
    .slice(0, maxSearchTerms)
    .map((term) => term.slice(0, 50));
}

/** Publishes an item of the caller's account. An item published with a test key is visible only in that account's test mode. */
export async function publishItem(ctx: ServiceContext, input: PublishItemInput, fieldNames: FieldNames = {}): Promise<MarketplaceItem> {
  const manifestField = fieldNames.manifest ?? 'manifest';
  const parsed = publishInput.safeParse(input);
  if (!parsed.success) {
    // zod reports a missing `manifest` as "expected nonoptional", so the message says what the field needs.
    throw new ValidationError(
      toFieldIssues(parsed.error, fieldNames).map((issue) =>
        issue.field === manifestField ? { ...issue, message: 'is required and must be a JSON object' } : issue,
      ),
    );
  }
  const data = parsed.data;
  const manifest = parseManifest(data.type, data.manifest, manifestField);
  const item = await ctx.prisma.marketplaceItem.create({
    data: {
      publisherAccountId: ctx.tenant.accountId,
      publisherLivemode: ctx.tenant.livemode,
      type: data.type,
      name: data.name,
      summary: data.summary,
      description: data.description,
      version: data.version,
      manifest: manifest as unknown as Prisma.InputJsonValue,
      searchText: searchTextOf({ ...data, manifest }),
    },
  });
  ctx.log.info({ itemId: item.id, type: item.type, version: item.version }, 'published marketplace item');

  return item;
}

/** Reads an item that the caller published and has not unpublished. */
async function getOwnItem(ctx: ServiceContext, id: string | number): Promise<MarketplaceItem> {
  const itemId = parseDatabaseId(id);
  const item =
    itemId === undefined
      ? null
      : await ctx.prisma.marketplaceItem.findFirst({
          where: { id: itemId, publisherAccountId: ctx.tenant.accountId, publisherLivemode: ctx.tenant.livemode, unpublishedAt: null },
        });
  if (item === null) {
    throw notFound('Marketplace item', id);
  }

  return item;
}

/**
 * Publishes a new version of one of the caller's items. Fields left out keep their
 * values; the version must be higher than the current one. Accounts that installed an
 * earlier version keep what it created, and may install the new one next to it.
 */
export async function updateItem(
  ctx: ServiceContext,
  id: string | number,
  input: UpdateItemInput,
  fieldNames: FieldNames = {},
): Promise<MarketplaceItem> {
  const current = await getOwnItem(ctx, id);
  const data = parseInput(updateInput, input, fieldNames);
  if (!semver.gt(data.version, current.version)) {
    throw new ValidationError([
      { field: fieldNames.version ?? 'version', message: `must be higher than the current version ${current.version}, got ${data.version}` },
    ]);
  }
  const manifest =
    data.manifest === undefined
      ? (current.manifest as unknown as Manifest)
      : parseManifest(current.type, data.manifest, fieldNames.manifest ?? 'manifest');
  const next = {
    type: current.type,
    name: data.name ?? current.name,
    summary: data.summary ?? current.summary,
    description: data.description ?? current.description,
    manifest,
  };
  const [updated] = await ctx.prisma.marketplaceItem.updateManyAndReturn({
    // The version condition makes the second of two concurrent updates to one version fail.
    where: { id: current.id, version: current.version, unpublishedAt: null },
    data: {
      version: data.version,
      name: next.name,
      summary: next.summary,
      description: next.description,
      manifest: manifest as unknown as Prisma.InputJsonValue,
      searchText: searchTextOf(next),
    },
  });
  if (updated === undefined) {
    throw new AppError(ErrorCode.Conflict, `Marketplace item ${current.id} changed while this update ran; read it again and retry`);
  }
  ctx.log.info({ itemId: updated.id, version: updated.version }, 'published a new marketplace item version');

  return updated;
}

/**
 * Hides one of the caller's items from the marketplace and stops new installations.
 * What earlier installations created stays in the installing accounts.
 */
export async function unpublishItem(ctx: ServiceContext, id: string | number): Promise<MarketplaceItem> {
  const item = await getOwnItem(ctx, id);
  const [unpublished] = await ctx.prisma.marketplaceItem.updateManyAndReturn({
    where: { id: item.id, unpublishedAt: null },
    data: { unpublishedAt: new Date() },
  });
  if (unpublished === undefined) {
    throw notFound('Marketplace item', id);
  }
  ctx.log.info({ itemId: item.id }, 'unpublished marketplace item');

  return unpublished;
}

export const ratingInput = z.strictObject({
  rating: z
    .int({ error: (issue) => (issue.input === undefined ? 'is required and must be an integer from 1 to 5' : `must be an integer from 1 to 5, got ${JSON.stringify(issue.input)}`) })
    .min(1, { error: (issue) => `must be an integer from 1 to 5, got ${JSON.stringify(issue.input)}` })
    .max(5, { error: (issue) => `must be an integer from 1 to 5, got ${JSON.stringify(issue.input)}` }),
});

export type RateItemInput = z.input<typeof ratingInput>;

export interface RatingResult {
  item: MarketplaceItem;
  rating: number;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * Sets the caller's account's rating of an item, replacing an earlier one. Only an account
 * that installed the item in the caller's mode may rate it, and never its publisher.
 */
export async function rateItem(ctx: ServiceContext, id: string | number, input: RateItemInput): Promise<RatingResult> {
  const item = await getItem(ctx, id);
  const { rating } = parseInput(ratingInput, input);
  if (item.publisherAccountId === ctx.tenant.accountId) {
    throw new AppError(ErrorCode.Conflict, `Marketplace item ${item.id} is published by this account, which cannot rate its own items`);
  }
  const installed = await ctx.prisma.marketplaceInstallation.findFirst({
    where: { itemId: item.id, accountId: ctx.tenant.accountId, livemode: ctx.tenant.livemode },
    select: { id: true },
  });
  if (installed === null) {
    throw new AppError(ErrorCode.Conflict, `Install marketplace item ${item.id} before rating it; only accounts that installed an item may rate it`);
  }

  return ctx.prisma.$transaction(async (tx) => {
    // Locking the item serialises ratings of it, so the recomputed figures include every one.
    await tx.$queryRaw`SELECT id FROM marketplace_items WHERE id = ${item.id} FOR UPDATE`;
    const saved = await tx.marketplaceRating.upsert({
      where: { itemId_accountId: { itemId: item.id, accountId: ctx.tenant.accountId } },
      create: { itemId: item.id, accountId: ctx.tenant.accountId, rating },
      update: { rating },
    });
    // Raw SQL leaves updated_at alone, which tracks the publisher's changes only.
    const [updated] = await tx.$queryRaw<{ rating_count: number; rating_average: number | null }[]>`
      UPDATE marketplace_items SET
        rating_count = (SELECT count(*)::int FROM marketplace_ratings WHERE item_id = ${item.id}),
        rating_average = (SELECT avg(rating)::float8 FROM marketplace_ratings WHERE item_id = ${item.id})
      WHERE id = ${item.id}
      RETURNING rating_count, rating_average`;

    return {
      item: { ...item, ratingCount: updated?.rating_count ?? item.ratingCount, ratingAverage: updated?.rating_average ?? item.ratingAverage },
      rating: saved.rating,
      createdAt: saved.createdAt,
      updatedAt: saved.updatedAt,
    };
  });
}
