import type { z } from 'zod';
import { serializeAgent } from '../agents/routes.js';
import type { Fleet, MarketplaceItem } from '../generated/prisma/client.js';
import { parsePageRequest } from '../pagination.js';
import { invertFields, mapBodyFields } from '../rest/fields.js';
import { dataResponse, pageResponse } from '../rest/responses.js';
import { route, type RouteList } from '../rest/router.js';
import { dataEnvelope, deletedEnvelope, idParams, pageEnvelope, resourceId } from '../rest/route-docs.js';
import { isoTimestamp } from '../rest/timestamps.js';
import { serializeTool } from '../tools/routes.js';
import { serializeEndpoint } from '../webhooks/routes.js';
import { installItem, type InstallationResult } from './install.js';
import {
  installationResource,
  installItemBody,
  installedFleetResource,
  itemResource,
  itemSummaryResource,
  listItemsQuery,
  publishFields,
  publishItemBody,
  rateItemBody,
  ratingResource,
  updateFields,
  updateItemBody,
} from './rest-schemas.js';
import * as marketplace from './service.js';

/** An item as REST v1 lists it. */
export function serializeItemSummary(item: MarketplaceItem): z.output<typeof itemSummaryResource> {
  return {
    id: item.id,
    type: item.type,
    name: item.name,
    summary: item.summary,
    description: item.description,
    version: item.version,
    publisher_id: item.publisherAccountId,
    builtin: item.builtinKey !== null,
    install_count: item.installCount,
    rating_average: item.ratingAverage,
    rating_count: item.ratingCount,
    created_at: isoTimestamp(item.createdAt),
    updated_at: isoTimestamp(item.updatedAt),
  };
}

/** An item with its manifest. */
export function serializeItem(item: MarketplaceItem): z.output<typeof itemResource> {
  return { ...serializeItemSummary(item), manifest: item.manifest as Record<string, unknown> };
}

function serializeFleet(fleet: Fleet): z.output<typeof installedFleetResource> {
  return {
    id: fleet.id,
    name: fleet.name,
    description: fleet.description,
    status: fleet.status,
    max_agents: fleet.maxAgents,
    auto_scale: fleet.autoScale,
    tasks_completed: fleet.tasksCompleted,
    created_at: isoTimestamp(fleet.createdAt),
    updated_at: isoTimestamp(fleet.updatedAt),
  };
}

/** An installation with what it created; new webhook endpoints carry their secret. */
export function serializeInstallation(result: InstallationResult): z.output<typeof installationResource> {
  return {
    id: result.installation.id,
    item_id: result.item.id,
    item_type: result.item.type,
    item_name: result.item.name,
    version: result.installation.version,
    created_at: isoTimestamp(result.installation.createdAt),
    agents: result.agents.map(serializeAgent),
    fleet: result.fleet === null ? null : serializeFleet(result.fleet),
    tools: result.tools.map(serializeTool) as z.output<typeof installationResource>['tools'],
    webhooks: result.webhookEndpoints.map((endpoint) => serializeEndpoint(endpoint, result.webhookSecrets.get(endpoint.id))),
  };
}

const publishFieldNames = invertFields(publishFields);
const updateFieldNames = invertFields(updateFields);

export const marketplaceRoutes: RouteList = [
  route({
    method: 'GET',
    path: '/api/v1/marketplace',
    scope: 'marketplace:read',
    docs: {
      operationId: 'listMarketplaceItems',
      summary: 'Browse or search the marketplace',
      description: 'With `search` the list is ranked by relevance unless `sort` is given; without it the default sort is `popular`.',
      tag: 'marketplace',
      query: listItemsQuery,
      response: { status: 200, description: 'One page of items', schema: pageEnvelope(itemSummaryResource) },
      errors: [],
    },
    async handler({ query, services }) {
      const page = parsePageRequest(query);
      const result = await marketplace.listItems(
        services,
        { search: query.get('search') ?? undefined, type: query.get('type') ?? undefined, sort: query.get('sort') ?? undefined },
        { offset: page.offset, limit: page.perPage },
      );

      return pageResponse(result.items.map(serializeItemSummary), result.total, page);
    },
  }),
  route({
    method: 'POST',
    path: '/api/v1/marketplace',
    scope: 'marketplace:write',
    docs: {
      operationId: 'publishMarketplaceItem',
      summary: 'Publish an item',
      description: 'Items published with a test key are visible only to that account in test mode.',
      tag: 'marketplace',
      body: publishItemBody,
      response: { status: 201, description: 'The new item', schema: dataEnvelope(itemResource) },
      errors: [],
    },
    async handler({ body, services }) {
      const input = mapBodyFields(await body(), publishFields) as marketplace.PublishItemInput;

      return dataResponse(serializeItem(await marketplace.publishItem(services, input, publishFieldNames)), 201);
    },
  }),
  route({
    method: 'GET',
    path: '/api/v1/marketplace/:id',
    scope: 'marketplace:read',
    docs: {
      operationId: 'getMarketplaceItem',
      summary: 'Fetch an item with its manifest',
      tag: 'marketplace',
      params: idParams,
      response: { status: 200, description: 'The item', schema: dataEnvelope(itemResource) },
      errors: ['resource_not_found'],
    },
    async handler({ params, services }) {
      return dataResponse(serializeItem(await marketplace.getItem(services, params.id!)));
    },
  }),
  route({
    method: 'PUT',
    path: '/api/v1/marketplace/:id',
    scope: 'marketplace:write',
    docs: {
      operationId: 'updateMarketplaceItem',
      summary: 'Publish a new version of an item of the account',
      description: '`version` must be higher than the current one. Earlier installations keep what they created.',
      tag: 'marketplace',
      params: idParams,
      body: updateItemBody,
      response: { status: 200, description: 'The item at its new version', schema: dataEnvelope(itemResource) },
      errors: ['resource_not_found', 'conflict'],
    },
    async handler({ params, body, services }) {
      const input = mapBodyFields(await body(), updateFields) as marketplace.UpdateItemInput;

      return dataResponse(serializeItem(await marketplace.updateItem(services, params.id!, input, updateFieldNames)));
    },
  }),
  route({
    method: 'DELETE',
    path: '/api/v1/marketplace/:id',
    scope: 'marketplace:write',
    docs: {
      operationId: 'unpublishMarketplaceItem',
      summary: 'Unpublish an item of the account',
      description: 'The item disappears from the marketplace and cannot be installed any more; what installations created stays.',
      tag: 'marketplace',
      params: idParams,
      response: { status: 200, description: 'The id of the unpublished item', schema: deletedEnvelope(resourceId) },
      errors: ['resource_not_found'],
    },
    async handler({ params, services }) {
      const item = await marketplace.unpublishItem(services, params.id!);

      return dataResponse({ id: item.id, deleted: true });
    },
  }),
  route({
    method: 'POST',
    path: '/api/v1/marketplace/:id/install',
    scope: 'marketplace:write',
    docs: {
      operationId: 'installMarketplaceItem',
      summary: 'Install the current version of an item into the account',
      description:
        'The body is optional. Creates, in one transaction, an agent (needs `agents:write`), an HTTP tool (needs `*`), ' +
        'a fleet with its agents (needs `fleets:write` and `agents:write`) or an extension\'s tools and webhook endpoints (needs `*`). ' +
        'Installing a version that the account already installed creates nothing and returns that installation with 200. ' +
        'Tool names are shared by all accounts: `tool_names` registers a tool whose name is taken under another name.',
      tag: 'marketplace',
      params: idParams,
      body: installItemBody,
      bodyOptional: true,
      response: {
        status: 201,
        description: 'The new installation and what it created',
        schema: dataEnvelope(installationResource),
        alternative: { status: 200, description: 'The earlier installation of this version, with what it created that still exists' },
      },
      errors: ['resource_not_found', 'conflict', 'quota_exceeded'],
    },
    async handler({ params, body, services, principal }) {
      const input = mapBodyFields(await body({ optional: true }), { tool_names: 'toolNames' });
      const result = await installItem(services, principal, params.id!, { toolNames: input.toolNames });

      return dataResponse(serializeInstallation(result), result.created ? 201 : 200);
    },
  }),
  route({
    method: 'PUT',
    path: '/api/v1/marketplace/:id/rating',
    scope: 'marketplace:write',
    docs: {
      operationId: 'rateMarketplaceItem',
      summary: "Set the account's rating of an item",
      description: 'One rating per account and item, from 1 to 5; a new rating replaces the earlier one. Only accounts that installed the item may rate it, and never its publisher.',
      tag: 'marketplace',
      params: idParams,
      body: rateItemBody,
      response: { status: 200, description: "The rating and the item's new figures", schema: dataEnvelope(ratingResource) },
      errors: ['resource_not_found', 'conflict'],
    },
    async handler({ params, body, services }) {
      const input = mapBodyFields(await body(), { rating: 'rating' }) as marketplace.RateItemInput;
      const result = await marketplace.rateItem(services, params.id!, input);

      return dataResponse({
        item_id: result.item.id,
        rating: result.rating,
        rating_average: result.item.ratingAverage ?? result.rating,
        rating_count: result.item.ratingCount,
        created_at: isoTimestamp(result.createdAt),
        updated_at: isoTimestamp(result.updatedAt),
      });
    },
  }),
];
