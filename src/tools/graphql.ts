import { resolveOffsetConnection } from '@pothos/plugin-relay';
import { builder } from '../graphql/builder.js';
import { ToolKind, ToolTier } from '../generated/prisma/enums.js';
import * as tools from './service.js';

const ToolTierEnum = builder.enumType(ToolTier, { name: 'ToolTier', description: 'The lowest plan a tool runs on; pro is the professional plan.' });
const ToolKindEnum = builder.enumType(ToolKind, { name: 'ToolKind' });

export const ToolType = builder.prismaObject('Tool', {
  description: 'A catalogue tool that agents, chat and callers can run.',
  fields: (t) => ({
    name: t.exposeString('name'),
    description: t.exposeString('description'),
    category: t.exposeString('category', { description: 'The category slug.' }),
    tier: t.expose('tier', { type: ToolTierEnum }),
    tags: t.exposeStringList('tags'),
    kind: t.expose('kind', { type: ToolKindEnum }),
    credits: t.exposeInt('credits', { description: 'Credits charged per successful run.' }),
    inputSchema: t.expose('inputSchema', { type: 'JSON', description: 'JSON Schema of the arguments.' }),
  }),
});

interface CategoryCount {
  slug: string;
  name: string;
  count: number;
}

const ToolCategoryType = builder.objectRef<CategoryCount>('ToolCategory').implement({
  fields: (t) => ({
    slug: t.exposeString('slug'),
    name: t.exposeString('name'),
    count: t.exposeInt('count', { description: 'Tools in the category that the caller can use.' }),
  }),
});

builder.queryFields((t) => ({
  tools: t.connection(
    {
      type: ToolType,
      authScopes: { scope: 'tools:read' },
      description: 'Tools the caller can use; with `search`, ranked by relevance, otherwise by name.',
      args: {
        search: t.arg.string(),
        category: t.arg.string({ description: 'A category slug.' }),
        tier: t.arg({ type: ToolTierEnum }),
      },
      resolve: async (_parent, args, context) => {
        let total = 0;
        const connection = await resolveOffsetConnection({ args, defaultSize: 20, maxSize: 100 }, async ({ limit, offset }) => {
          const page = await tools.listTools(
            context.services(),
            { search: args.search ?? undefined, category: args.category ?? undefined, tier: args.tier ?? undefined },
            { offset, limit },
          );
          total = page.total;

          return page.tools;
        });

        return { ...connection, totalCount: total };
      },
    },
    {
      fields: (connection) => ({
        totalCount: connection.int({
          resolve: (parent) => (parent as { totalCount?: number }).totalCount ?? 0,
        }),
      }),
    },
    {},
  ),
  toolCategories: t.field({
    type: [ToolCategoryType],
    authScopes: { scope: 'tools:read' },
    resolve: (_parent, _args, context) => tools.listCategories(context.services()),
  }),
  tool: t.prismaField({
    type: 'Tool',
    authScopes: { scope: 'tools:read' },
    args: { name: t.arg.string({ required: true }) },
    resolve: (_query, _parent, args, context) => tools.getTool(context.services(), args.name),
  }),
}));

builder.relayMutationField(
  'executeTool',
  {
    inputFields: (t) => ({
      name: t.string({ required: true }),
      args: t.field({ type: 'JSON', required: true, description: "Arguments matching the tool's input schema." }),
    }),
  },
  {
    authScopes: { scope: 'tools:execute' },
    resolve: (_parent, { input }, context) =>
      tools.executeTool(context.services(), context.principal!, context.tools, input.name, input.args),
  },
  {
    outputFields: (t) => ({
      tool: t.string({ resolve: (run) => run.tool }),
      result: t.field({ type: 'JSON', resolve: (run) => run.result }),
      executionTimeMs: t.int({ resolve: (run) => run.executionTimeMs }),
      creditsUsed: t.int({ resolve: (run) => run.credits }),
    }),
  },
);
