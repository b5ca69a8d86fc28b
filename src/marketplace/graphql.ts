import { encodeGlobalID, resolveOffsetConnection } from '@pothos/plugin-relay';
import { assertAuthenticated } from '../auth/principal.js';
import { AgentNode } from '../agents/graphql.js';
import { FleetNode } from '../fleets/graphql.js';
import { builder } from '../graphql/builder.js';
import { databaseIdOf } from '../graphql/tenancy.js';
import { MarketplaceItemType } from '../generated/prisma/enums.js';
import { parseDatabaseId } from '../ids.js';
import { ToolType } from '../tools/graphql.js';
import { WebhookEndpointNode } from '../webhooks/graphql.js';
import { installItem, type InstallationResult } from './install.js';
import * as marketplace from './service.js';

const MarketplaceItemTypeEnum = builder.enumType(MarketplaceItemType, {
  name: 'MarketplaceItemType',
  description: 'What an item installs: an agent, an HTTP tool, a fleet with its agents, or an extension of tools and webhooks.',
});

const MarketplaceSortEnum = builder.enumType('MarketplaceSort', {
  values: marketplace.itemSorts,
  description: 'popular: most installed first; newest: latest published first; rating: best rated first.',
});

/** An id that matches no row, for global ids whose database id cannot exist. */
const impossibleId = -1;

export const MarketplaceItemNode = builder.prismaNode('MarketplaceItem', {
  id: { field: 'id' },
  // node(id:) returns null, as Relay expects, for an item the caller cannot see.
  nullable: true,
  findUnique: (id, context) => ({ id: parseDatabaseId(id) ?? impossibleId, AND: [marketplace.visibleTo(context.services())] }),
  authScopes: { scope: 'marketplace:read' },
  description: 'An agent, tool, fleet template or extension that accounts publish and install.',
  fields: (t) => ({
    databaseId: t.exposeInt('id', { description: 'The numeric id that REST v1 uses.' }),
    type: t.expose('type', { type: MarketplaceItemTypeEnum }),
    name: t.exposeString('name'),
    summary: t.exposeString('summary'),
    description: t.exposeString('description'),
    version: t.exposeString('version', { description: 'Semantic version of the current release.' }),
    publisherDatabaseId: t.exposeInt('publisherAccountId', { nullable: true, description: 'The publishing account; null for built-in items.' }),
    builtin: t.boolean({ description: 'True for the items this server ships with.', resolve: (item) => item.builtinKey !== null }),
    installCount: t.exposeInt('installCount', { description: 'Accounts (per mode) that installed any version.' }),
    ratingAverage: t.exposeFloat('ratingAverage', { nullable: true, description: 'Mean rating from 1 to 5; null until the first rating.' }),
    ratingCount: t.exposeInt('ratingCount'),
    manifest: t.expose('manifest', { type: 'JSON', description: 'What installing creates, in REST field names; its shape depends on type.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const MarketplaceInstallationType = builder.objectRef<InstallationResult>('MarketplaceInstallation').implement({
  description: 'One version of an item installed into the account, with what it created that still exists.',
  fields: (t) => ({
    databaseId: t.int({ resolve: (result) => result.installation.id }),
    item: t.field({ type: MarketplaceItemNode, resolve: (result) => result.item }),
    version: t.string({ resolve: (result) => result.installation.version }),
    createdAt: t.field({ type: 'DateTime', resolve: (result) => result.installation.createdAt }),
    agents: t.field({ type: [AgentNode], resolve: (result) => result.agents }),
    fleet: t.field({ type: FleetNode, nullable: true, resolve: (result) => result.fleet }),
    tools: t.field({ type: [ToolType], resolve: (result) => result.tools }),
    webhookEndpoints: t.field({
      type: [WebhookEndpointNode],
      description: 'Signing secrets are not returned here; rotate an endpoint secret to read a new one.',
      resolve: (result) => result.webhookEndpoints,
    }),
  }),
});

builder.queryFields((t) => ({
  marketplaceItems: t.connection(
    {
      type: MarketplaceItemNode,
      authScopes: { scope: 'marketplace:read' },
      description: 'Items the caller can see; with `search` ranked by relevance unless `sort` is given, otherwise `popular` first.',
      args: {
        search: t.arg.string(),
        type: t.arg({ type: MarketplaceItemTypeEnum }),
        sort: t.arg({ type: MarketplaceSortEnum }),
      },
      resolve: async (_parent, args, context) => {
        let total = 0;
        const connection = await resolveOffsetConnection({ args, defaultSize: 20, maxSize: 100 }, async ({ limit, offset }) => {
          const page = await marketplace.listItems(
            context.services(),
            { search: args.search ?? undefined, type: args.type ?? undefined, sort: args.sort ?? undefined },
            { offset, limit },
          );
          total = page.total;

          return page.items;
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
  marketplaceItem: t.field({
    type: MarketplaceItemNode,
    authScopes: { scope: 'marketplace:read' },
    description: 'One item by its global id.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_parent, args, context) =>
      marketplace.getItem(context.services(), databaseIdOf(String(args.id), 'MarketplaceItem', 'Marketplace item')),
  }),
}));

builder.relayMutationField(
  'publishMarketplaceItem',
  {
    inputFields: (t) => ({
      type: t.field({ type: MarketplaceItemTypeEnum, required: true }),
      name: t.string({ required: true }),
      summary: t.string({ required: true }),
      description: t.string(),
      version: t.string({ description: 'Semantic version; 1.0.0 when left out.' }),
      manifest: t.field({ type: 'JSON', required: true, description: 'What installing creates, in REST field names; see the REST reference.' }),
    }),
  },
  {
    authScopes: { scope: 'marketplace:write' },
    resolve: async (_parent, { input }, context) => ({
      item: await marketplace.publishItem(context.services(), {
        type: input.type,
        name: input.name,
        summary: input.summary,
        description: input.description ?? undefined,
        version: input.version ?? undefined,
        manifest: input.manifest,
      }),
    }),
  },
  { outputFields: (t) => ({ item: t.field({ type: MarketplaceItemNode, resolve: (payload) => payload.item }) }) },
);

builder.relayMutationField(
  'updateMarketplaceItem',
  {
    inputFields: (t) => ({
      id: t.id({ required: true }),
      version: t.string({ required: true, description: 'The new version; it must be higher than the current one.' }),
      name: t.string(),
      summary: t.string(),
      description: t.string(),
      manifest: t.field({ type: 'JSON' }),
    }),
  },
  {
    authScopes: { scope: 'marketplace:write' },
    description: 'Publishes a new version of an item of the account; omitted fields keep their values.',
    resolve: async (_parent, { input }, context) => ({
      item: await marketplace.updateItem(context.services(), databaseIdOf(String(input.id), 'MarketplaceItem', 'Marketplace item'), {
        version: input.version,
        name: input.name ?? undefined,
        summary: input.summary ?? undefined,
        description: input.description ?? undefined,
        manifest: input.manifest ?? undefined,
      }),
    }),
  },
  { outputFields: (t) => ({ item: t.field({ type: MarketplaceItemNode, resolve: (payload) => payload.item }) }) },
);

builder.relayMutationField(
  'unpublishMarketplaceItem',
  { inputFields: (t) => ({ id: t.id({ required: true }) }) },
  {
    authScopes: { scope: 'marketplace:write' },
    description: 'Hides an item of the account from the marketplace; what installations created stays.',
    resolve: async (_parent, { input }, context) => {
      const item = await marketplace.unpublishItem(context.services(), databaseIdOf(String(input.id), 'MarketplaceItem', 'Marketplace item'));

      return { id: item.id };
    },
  },
  {
    outputFields: (t) => ({
      unpublishedItemId: t.id({ resolve: (payload) => encodeGlobalID('MarketplaceItem', payload.id) }),
      databaseId: t.int({ resolve: (payload) => payload.id }),
    }),
  },
);

builder.relayMutationField(
  'installMarketplaceItem',
  {
    inputFields: (t) => ({
      id: t.id({ required: true }),
      toolNames: t.field({
        type: 'JSON',
        description: 'An object from tool names of the manifest to the names to register them under, for names taken in the catalogue.',
      }),
    }),
  },
  {
    authScopes: { scope: 'marketplace:write' },
    description:
      'Installs the current version of an item. It also needs the scopes of what it creates: agents:write for an agent, ' +
      'fleets:write and agents:write for a fleet template, * for a tool or an extension. A version installed before is returned, not installed again.',
    resolve: (_parent, { input }, context) =>
      installItem(
        context.services(),
        assertAuthenticated(context.principal),
        databaseIdOf(String(input.id), 'MarketplaceItem', 'Marketplace item'),
        { toolNames: input.toolNames ?? undefined },
      ),
  },
  {
    outputFields: (t) => ({
      installation: t.field({ type: MarketplaceInstallationType, resolve: (result) => result }),
      created: t.boolean({ description: 'False when this version was installed before.', resolve: (result) => result.created }),
    }),
  },
);

builder.relayMutationField(
  'rateMarketplaceItem',
  {
    inputFields: (t) => ({
      id: t.id({ required: true }),
      rating: t.int({ required: true, description: 'From 1 to 5; replaces an earlier rating of the account.' }),
    }),
  },
  {
    authScopes: { scope: 'marketplace:write' },
    description: 'Only accounts that installed the item may rate it, and never its publisher.',
    resolve: (_parent, { input }, context) =>
      marketplace.rateItem(context.services(), databaseIdOf(String(input.id), 'MarketplaceItem', 'Marketplace item'), { rating: input.rating }),
  },
  {
    outputFields: (t) => ({
      item: t.field({ type: MarketplaceItemNode, resolve: (result) => result.item }),
      rating: t.int({ resolve: (result) => result.rating }),
    }),
  },
);
