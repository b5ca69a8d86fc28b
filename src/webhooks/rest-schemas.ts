import { z } from 'zod';
import { eventTypes } from '../events/catalogue.js';
import { WebhookDeliveryStatus } from '../generated/prisma/enums.js';
import { named, resourceId, restBody, timestamp } from '../rest/route-docs.js';
import { allEvents } from './queue.js';
import { createWebhookInput, updateWebhookInput } from './schemas.js';

/** REST body fields; they keep their names in the service. */
export const endpointFields = { url: 'url', events: 'events', enabled: 'enabled', description: 'description' } as const;

const fieldDescriptions = {
  url: 'Receiver URL, http or https; https is recommended outside development',
  events: `Event types to deliver (${eventTypes.join(', ')}), or ["${allEvents}"] for all; all when left out`,
  enabled: 'False stops deliveries; events raised meanwhile are not queued for the endpoint',
  description: 'A note for the account',
};

export const createEndpointBody = restBody(createWebhookInput, endpointFields, fieldDescriptions);

export const updateEndpointBody = restBody(updateWebhookInput, endpointFields, fieldDescriptions).describe(
  'A partial update: fields left out keep their values',
);

const endpointShape = {
  id: resourceId,
  url: z.string(),
  description: z.string(),
  events: z.array(z.string()).describe(`Event types delivered, or ["${allEvents}"]`),
  enabled: z.boolean(),
  livemode: z.boolean().describe('False for endpoints created with a test key; they receive test-mode events'),
  created_at: timestamp,
  updated_at: timestamp,
};

export const endpointResource = named('WebhookEndpoint', z.object(endpointShape));

/** An endpoint as creation and rotation return it: with its signing secret. */
export const endpointWithSecretResource = named(
  'WebhookEndpointWithSecret',
  z.object({
    ...endpointShape,
    secret: z.string().describe('The HMAC-SHA256 signing key, `whsec_...`; shown only in this response'),
  }),
);

/** The `{id}` and `{deliveryId}` path parameters. */
export const deliveryParams = z.object({
  id: resourceId.describe('The endpoint id'),
  deliveryId: z.string().describe('The delivery id, `whd_...`, as sent in X-Webhook-Delivery'),
});

export const attemptResource = named(
  'WebhookAttempt',
  z.object({
    id: resourceId,
    delivery_id: z.string(),
    number: z.int().min(1).describe('The attempt number within the delivery'),
    succeeded: z.boolean(),
    status_code: z.int().nullable().describe('HTTP status of the answer; null when none came'),
    duration_ms: z.int().min(0),
    error: z.string().nullable().describe('Why the attempt failed; null when it succeeded'),
    created_at: timestamp,
  }),
);

const deliveryShape = {
  id: z.string().describe('The X-Webhook-Delivery header, the same on every attempt'),
  endpoint_id: resourceId,
  event_id: z.string().describe('The `id` of the webhook body'),
  event: z.enum(eventTypes),
  status: z.enum(WebhookDeliveryStatus),
  attempt_count: z.int().min(0),
  last_status_code: z.int().nullable(),
  last_error: z.string().nullable(),
  next_attempt_at: timestamp.nullable().describe('When a pending delivery is tried next'),
  completed_at: timestamp.nullable(),
  created_at: timestamp,
};

export const deliveryResource = named('WebhookDelivery', z.object(deliveryShape));

export const deliveryDetailResource = named(
  'WebhookDeliveryDetail',
  z.object({
    ...deliveryShape,
    body: z.string().describe('The exact bytes that are signed and sent'),
    attempts: z.array(attemptResource).describe('Every attempt, oldest first'),
  }),
);
