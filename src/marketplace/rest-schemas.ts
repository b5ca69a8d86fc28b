import { z } from 'zod';
import { agentResource } from '../agents/rest-schemas.js';
import { named, pageQuery, resourceId, restBody, timestamp } from '../rest/route-docs.js';
import { toolResource } from '../tools/rest-schemas.js';
import { endpointResource } from '../webhooks/rest-schemas.js';
import { itemTypes } from './manifests.js';
import { itemSorts, maxSearchLength, publishInput, ratingInput, updateInput } from './service.js';

/** REST body fields of publish and update; they keep their names in the service. */
export const publishFields = {
  type: 'type',
  name: 'name',
  summary: 'summary',
  description: 'description',
  version: 'version',
  manifest: 'manifest',
} as const;

export const updateFields = {
  version: 'version',
  name: 'name',
  summary: 'summary',
  description: 'description',
  manifest: 'manifest',
} as const;

const manifestDescription =
  'What installing creates, checked against `type`. agent: the fields of POST /agents except fleet_id. ' +
  'tool: the fields of POST /tools. fleet_template: `{"fleet": {name, description, max_agents, auto_scale}, "agents": [agent manifests]}`. ' +
  'extension: `{"tools": [tool manifests], "webhooks": [{url, events, description}]}`.';

const fieldDescriptions = {
  type: 'What the item installs',
  name: 'Display name',
  summary: 'One line for lists',
  description: 'Longer text for the detail page',
  version: 'Semantic version, such as 1.0.0',
  manifest: manifestDescription,
};

export const publishItemBody = restBody(publishInput, publishFields, fieldDescriptions);

export const updateItemBody = restBody(updateInput, updateFields, {
  ...fieldDescriptions,
  version: 'The new semantic version; it must be higher than the current one',
}).describe('A new version: fields left out keep their values');

export const installItemBody = z.strictObject({
  tool_names: z
    .record(z.string(), z.string())
    .optional()
    .describe('Names to register the tools of a tool item or an extension under, by their manifest name, such as {"weather_now": "acme_weather_now"}'),
});

export const rateItemBody = restBody(ratingInput, { rating: 'rating' }, { rating: 'From 1 to 5' });

export const listItemsQuery = pageQuery.extend({
  search: z.string().max(maxSearchLength).optional().describe('Search text; results are ranked by relevance unless sort is given'),
  type: z.enum(itemTypes).optional(),
  sort: z
    .enum(itemSorts)
    .optional()
    .describe('popular: most installed first; newest: latest published first; rating: best rated first. Default: relevance with search, popular without'),
});

const itemSummaryShape = {
  id: resourceId,
  type: z.enum(itemTypes),
  name: z.string(),
  summary: z.string(),
  description: z.string(),
  version: z.string().describe('Semantic version of the current release'),
  publisher_id: resourceId.nullable().describe('Account that published the item; null for built-in items'),
  builtin: z.boolean().describe('True for the items this server ships with'),
  install_count: z.int().min(0).describe('Accounts (per mode) that installed any version'),
  rating_average: z.number().min(1).max(5).nullable().describe('Mean rating; null until the first rating'),
  rating_count: z.int().min(0),
  created_at: timestamp.describe('When the item was first published'),
  updated_at: timestamp.describe('When the publisher last changed it'),
};

/** An item as `GET /marketplace` lists it. */
export const itemSummaryResource = named('MarketplaceItemSummary', z.object(itemSummaryShape));

/** An item with its manifest. */
export const itemResource = named(
  'MarketplaceItem',
  z.object({ ...itemSummaryShape, manifest: z.record(z.string(), z.unknown()).describe(manifestDescription) }),
);

/** A fleet that a fleet template created. */
export const installedFleetResource = named(
  'MarketplaceFleet',
  z.object({
    id: resourceId,
    name: z.string(),
    description: z.string(),
    status: z.string(),
    max_agents: z.int().min(1),
    auto_scale: z.boolean(),
    tasks_completed: z.int().min(0),
    created_at: timestamp,
    updated_at: timestamp,
  }),
);

export const installationResource = named(
  'MarketplaceInstallation',
  z.object({
    id: resourceId,
    item_id: resourceId,
    item_type: z.enum(itemTypes),
    item_name: z.string(),
    version: z.string().describe('The version installed'),
    created_at: timestamp,
    agents: z.array(agentResource).describe('Agents created: one for an agent item, the fleet members for a fleet template'),
    fleet: installedFleetResource.nullable().describe('The fleet a fleet template created'),
    tools: z.array(toolResource).describe('HTTP tools registered by a tool item or an extension'),
    webhooks: z
      .array(endpointResource.extend({ secret: z.string().optional() }))
      .describe("An extension's webhook endpoints; `secret` only in the response that created them"),
  }),
);

export const ratingResource = named(
  'MarketplaceRating',
  z.object({
    item_id: resourceId,
    rating: z.int().min(1).max(5).describe("This account's rating"),
    rating_average: z.number().min(1).max(5).describe("The item's mean rating after this one"),
    rating_count: z.int().min(1),
    created_at: timestamp,
    updated_at: timestamp,
  }),
);
