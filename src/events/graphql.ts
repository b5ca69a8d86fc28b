import { tenantOf } from '../auth/principal.js';
import { hasScope } from '../auth/scopes.js';
import { AppError, authRequired, ErrorCode, insufficientScope, ValidationError } from '../errors.js';
import { builder } from '../graphql/builder.js';
import type { PublishedEvent } from './bus.js';
import { eventReadScopes, eventTypes, type EventType } from './catalogue.js';

/** `agent.created` becomes `AGENT_CREATED`, as GraphQL enum values cannot hold dots. */
function enumName(type: EventType): string {
  return type.replace(/\./g, '_').toUpperCase();
}

export const EventTypeEnum = builder.enumType('EventType', {
  description: 'An event type; the description of each value is the name that webhooks send.',
  values: Object.fromEntries(
    eventTypes.map((type) => [enumName(type), { value: type, description: `\`${type}\`` }]),
  ) as Record<string, { value: EventType; description: string }>,
});

const EventRef = builder.objectRef<PublishedEvent>('Event').implement({
  description: 'Something that happened in the account, as webhooks also deliver it.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The event id, `evt_` and 24 hex digits; the `id` of the webhook body.' }),
    type: t.field({ type: EventTypeEnum, resolve: (event) => event.type }),
    event: t.exposeString('type', { description: 'The event name, such as `agent.deployed`, as webhooks send it.' }),
    timestamp: t.field({ type: 'DateTime', resolve: (event) => new Date(event.timestamp) }),
    livemode: t.exposeBoolean('livemode'),
    data: t.field({
      type: 'JSON',
      description: 'The event-specific payload, with the snake_case field names of the webhook body.',
      resolve: (event) => event.data,
    }),
  }),
});

builder.subscriptionFields((t) => ({
  events: t.field({
    type: EventRef,
    description:
      "The caller's events as they happen. Each type needs the scope that reads its resource, such as agents:read for agent events.",
    args: {
      types: t.arg({
        type: [EventTypeEnum],
        required: false,
        description: 'Event types to receive; omitted, every type that the credential may read.',
      }),
    },
    subscribe: async (_root, args, context) => {
      const principal = context.principal;
      if (principal === undefined) {
        throw authRequired();
      }
      let types: EventType[];
      if (args.types === null || args.types === undefined) {
        types = eventTypes.filter((type) => hasScope(principal.scopes, eventReadScopes[type]));
        if (types.length === 0) {
          throw new AppError(
            ErrorCode.InsufficientScope,
            'This credential may read none of the resources that events are about; it needs a read scope such as agents:read',
          );
        }
      } else if (args.types.length === 0) {
        throw new ValidationError([{ field: 'types', message: 'must list at least one event type, or be omitted for all' }]);
      } else {
        types = [...new Set(args.types)];
        const missing = types.find((type) => !hasScope(principal.scopes, eventReadScopes[type]));
        if (missing !== undefined) {
          throw insufficientScope(eventReadScopes[missing]);
        }
      }
      const accepted = new Set<EventType>(types);
      const tenant = tenantOf(principal);
      // NOTE: the credential is checked when the subscription starts only, so one revoked
      // later keeps receiving events until the connection closes.
      const stream = await context.events.subscribe(tenant, (type) => accepted.has(type));
      context.log.info({ accountId: tenant.accountId, livemode: tenant.livemode, types }, 'events subscription started');

      return stream;
    },
    resolve: (event) => event,
  }),
}));
