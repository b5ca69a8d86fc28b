import { encodeGlobalID } from '@pothos/plugin-relay';
import { eventTypes, isEventType, type EventType } from '../events/catalogue.js';
import { EventTypeEnum } from '../events/graphql.js';
import { ValidationError } from '../errors.js';
import { WebhookDeliveryStatus } from '../generated/prisma/enums.js';
import { builder } from '../graphql/builder.js';
import { databaseIdOf, tenantNodeWhere } from '../graphql/tenancy.js';
import { allEvents } from './queue.js';
import * as webhooks from './service.js';

// Webhook management needs `*`, as in REST: an endpoint receives every resource's events.
const authScopes = { scope: '*' } as const;

const DeliveryStatusEnum = builder.enumType(WebhookDeliveryStatus, {
  name: 'WebhookDeliveryStatus',
  description: 'pending: waiting for its next attempt; sending: an attempt is running; succeeded; failed: out of attempts.',
});

/** Lists the types an endpoint receives, with `*` spelt out, for the GraphQL `events` field. */
function subscribedTypes(events: readonly string[]): EventType[] {
  return events.includes(allEvents) ? [...eventTypes] : events.filter(isEventType);
}

const WebhookAttemptType = builder.prismaObject('WebhookAttempt', {
  description: 'One HTTP request of a delivery.',
  fields: (t) => ({
    number: t.exposeInt('number', { description: 'The attempt number within the delivery, from 1.' }),
    succeeded: t.boolean({ resolve: (attempt) => attempt.error === null }),
    statusCode: t.exposeInt('statusCode', {
      nullable: true,
      description: 'The HTTP status of the response; null when none came.',
    }),
    durationMs: t.exposeInt('durationMs'),
    error: t.exposeString('error', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const WebhookDeliveryType = builder.prismaObject('WebhookDelivery', {
  description: 'One event on its way to one endpoint.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The `X-Webhook-Delivery` header, the same on every attempt.' }),
    eventId: t.exposeString('eventId'),
    eventType: t.field({ type: EventTypeEnum, resolve: (delivery) => delivery.eventType as EventType }),
    status: t.expose('status', { type: DeliveryStatusEnum }),
    attemptCount: t.exposeInt('attempts'),
    lastStatusCode: t.exposeInt('lastStatusCode', { nullable: true }),
    lastError: t.exposeString('lastError', { nullable: true }),
    nextAttemptAt: t.field({
      type: 'DateTime',
      nullable: true,
      resolve: (delivery) => (delivery.status === 'pending' ? delivery.nextAttemptAt : null),
    }),
    completedAt: t.expose('completedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    body: t.exposeString('body', { description: 'The exact bytes that are signed and sent.' }),
    attempts: t.relation('attemptLog', { query: { orderBy: { number: 'asc' } } }),
  }),
});

export const WebhookEndpointNode = builder.prismaNode('WebhookEndpoint', {
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, context) => tenantNodeWhere(id, context),
  authScopes,
  description: 'A URL that receives signed deliveries of the account events.',
  fields: (t) => ({
    databaseId: t.exposeInt('id', { description: 'The numeric id that REST v1 uses.' }),
    url: t.exposeString('url'),
    description: t.exposeString('description'),
    allEvents: t.boolean({
      description: 'True when the endpoint receives every event type, including types added later.',
      resolve: (endpoint) => endpoint.events.includes(allEvents),
    }),
    events: t.field({
      type: [EventTypeEnum],
      description: 'The event types delivered to the endpoint.',
      resolve: (endpoint) => subscribedTypes(endpoint.events),
    }),
    enabled: t.exposeBoolean('enabled'),
    livemode: t.exposeBoolean('livemode'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    deliveries: t.relatedConnection('deliveries', {
      cursor: 'id',
      description: 'Deliveries to the endpoint, newest first.',
      query: { orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] },
      totalCount: true,
    }),
  }),
});

builder.queryFields((t) => ({
  webhookEndpoints: t.prismaConnection(
    {
      type: 'WebhookEndpoint',
      cursor: 'id',
      authScopes,
      description: "The caller's webhook endpoints, oldest first.",
      totalCount: (_parent, _args, context) => webhooks.countWebhookEndpoints(context.services()),
      resolve: (query, _parent, _args, context) => webhooks.findWebhookEndpoints(context.services(), query),
    },
    {},
  ),
  webhookEndpoint: t.prismaField({
    type: 'WebhookEndpoint',
    authScopes,
    description: 'One webhook endpoint by its global id.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _parent, args, context) =>
      webhooks.getWebhookEndpoint(context.services(), databaseIdOf(String(args.id), 'WebhookEndpoint', 'Webhook endpoint'), query),
  }),
  webhookDelivery: t.field({
    type: WebhookDeliveryType,
    authScopes,
    description: 'One delivery by its id (the `X-Webhook-Delivery` header).',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_parent, args, context) => webhooks.getDelivery(context.services(), String(args.id)),
  }),
}));

/** `events` and `allEvents` of an input as the service's `events` list. */
function eventsInput(
  events: readonly EventType[] | null | undefined,
  all: boolean | null | undefined,
): string[] | undefined {
  if (all === true && events !== null && events !== undefined) {
    throw new ValidationError([{ field: 'events', message: 'must be omitted when allEvents is true' }]);
  }
  if (all === true) {
    return [allEvents];
  }
  if (all === false && (events === null || events === undefined)) {
    throw new ValidationError([{ field: 'events', message: 'is required when allEvents is false' }]);
  }

  return events === null || events === undefined ? undefined : [...events];
}

builder.relayMutationField(
  'createWebhookEndpoint',
  {
    inputFields: (t) => ({
      url: t.string({ required: true, description: 'An http or https URL; https is recommended outside development.' }),
      events: t.field({ type: [EventTypeEnum], description: 'Event types to deliver; omitted, all of them.' }),
      allEvents: t.boolean({ description: 'True delivers every event type, including types added later.' }),
      enabled: t.boolean(),
      description: t.string(),
    }),
  },
  {
    authScopes,
    description: 'Creates an endpoint. The signing secret is returned here and by rotation only.',
    resolve: async (_parent, { input }, context) =>
      webhooks.createWebhookEndpoint(context.services(), {
        url: input.url,
        events: eventsInput(input.events, input.allEvents),
        enabled: input.enabled ?? undefined,
        description: input.description ?? undefined,
      }),
  },
  {
    outputFields: (t) => ({
      webhookEndpoint: t.field({ type: WebhookEndpointNode, resolve: (payload) => payload.endpoint }),
      secret: t.string({
        description: 'The signing secret; store it now, as it is not shown again.',
        resolve: (payload) => payload.secret,
      }),
    }),
  },
);

builder.relayMutationField(
  'updateWebhookEndpoint',
  {
    inputFields: (t) => ({
      id: t.id({ required: true }),
      url: t.string(),
      events: t.field({ type: [EventTypeEnum] }),
      allEvents: t.boolean(),
      enabled: t.boolean(),
      description: t.string(),
    }),
  },
  {
    authScopes,
    description: 'Changes the fields given; omitted fields keep their values.',
    resolve: async (_parent, { input }, context) => ({
      endpoint: await webhooks.updateWebhookEndpoint(
        context.services(),
        databaseIdOf(String(input.id), 'WebhookEndpoint', 'Webhook endpoint'),
        {
          // An explicit null reaches the service, which rejects it as REST does.
          url: input.url as string | undefined,
          events: eventsInput(input.events, input.allEvents),
          enabled: input.enabled as boolean | undefined,
          description: input.description as string | undefined,
        },
      ),
    }),
  },
  { outputFields: (t) => ({ webhookEndpoint: t.field({ type: WebhookEndpointNode, resolve: (payload) => payload.endpoint }) }) },
);

builder.relayMutationField(
  'deleteWebhookEndpoint',
  { inputFields: (t) => ({ id: t.id({ required: true }) }) },
  {
    authScopes,
    description: 'Deletes an endpoint with its deliveries and their attempt logs.',
    resolve: async (_parent, { input }, context) =>
      webhooks.deleteWebhookEndpoint(
        context.services(),
        databaseIdOf(String(input.id), 'WebhookEndpoint', 'Webhook endpoint'),
      ),
  },
  {
    outputFields: (t) => ({
      deletedWebhookEndpointId: t.id({ resolve: (endpoint) => encodeGlobalID('WebhookEndpoint', endpoint.id) }),
      databaseId: t.int({ resolve: (endpoint) => endpoint.id }),
    }),
  },
);

builder.relayMutationField(
  'rotateWebhookEndpointSecret',
  { inputFields: (t) => ({ id: t.id({ required: true }) }) },
  {
    authScopes,
    description: 'Replaces the signing secret at once; later attempts, retries included, use the new one.',
    resolve: async (_parent, { input }, context) =>
      webhooks.rotateWebhookSecret(
        context.services(),
        databaseIdOf(String(input.id), 'WebhookEndpoint', 'Webhook endpoint'),
      ),
  },
  {
    outputFields: (t) => ({
      webhookEndpoint: t.field({ type: WebhookEndpointNode, resolve: (payload) => payload.endpoint }),
      secret: t.string({ resolve: (payload) => payload.secret }),
    }),
  },
);

builder.relayMutationField(
  'redeliverWebhookDelivery',
  { inputFields: (t) => ({ id: t.id({ required: true, description: 'The delivery id.' }) }) },
  {
    authScopes,
    description: 'Queues a delivery again with the same delivery id and a fresh retry schedule.',
    resolve: async (_parent, { input }, context) => ({
      delivery: await webhooks.redeliver(context.services(), String(input.id)),
    }),
  },
  { outputFields: (t) => ({ delivery: t.field({ type: WebhookDeliveryType, resolve: (payload) => payload.delivery }) }) },
);
