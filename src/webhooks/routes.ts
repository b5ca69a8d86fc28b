import type { z } from 'zod';
import type { EventType } from '../events/catalogue.js';
import type { WebhookAttempt, WebhookDelivery, WebhookEndpoint } from '../generated/prisma/client.js';
import { parsePageRequest } from '../pagination.js';
import { mapBodyFields } from '../rest/fields.js';
import { dataResponse, pageResponse } from '../rest/responses.js';
import { dataEnvelope, deletedEnvelope, emptyBody, idParams, pageEnvelope, pageQuery, resourceId } from '../rest/route-docs.js';
import { route, type RouteList } from '../rest/router.js';
import { isoTimestamp } from '../rest/timestamps.js';
import {
  attemptResource,
  createEndpointBody,
  deliveryDetailResource,
  deliveryParams,
  deliveryResource,
  endpointFields,
  endpointResource,
  endpointWithSecretResource,
  updateEndpointBody,
} from './rest-schemas.js';
import type { CreateWebhookInput, UpdateWebhookInput } from './schemas.js';
import * as webhooks from './service.js';

/**
 * Managing endpoints needs `*`: an endpoint receives the events of every resource, so a
 * key limited to some resources must not be able to read the others through one.
 */
const scope = '*';

/** A webhook endpoint as REST v1 returns it; the secret only when it was just made. */
export function serializeEndpoint(
  endpoint: WebhookEndpoint,
  secret?: string,
): z.output<typeof endpointResource> | z.output<typeof endpointWithSecretResource> {
  return {
    id: endpoint.id,
    url: endpoint.url,
    description: endpoint.description,
    events: endpoint.events,
    enabled: endpoint.enabled,
    livemode: endpoint.livemode,
    ...(secret === undefined ? {} : { secret }),
    created_at: isoTimestamp(endpoint.createdAt),
    updated_at: isoTimestamp(endpoint.updatedAt),
  };
}

function timestampOrNull(date: Date | null): string | null {
  return date === null ? null : isoTimestamp(date);
}

export function serializeDelivery(delivery: WebhookDelivery): z.output<typeof deliveryResource> {
  return {
    id: delivery.id,
    endpoint_id: delivery.endpointId,
    event_id: delivery.eventId,
    event: delivery.eventType as EventType,
    status: delivery.status,
    attempt_count: delivery.attempts,
    last_status_code: delivery.lastStatusCode,
    last_error: delivery.lastError,
    next_attempt_at: delivery.status === 'pending' ? timestampOrNull(delivery.nextAttemptAt) : null,
    completed_at: timestampOrNull(delivery.completedAt),
    created_at: isoTimestamp(delivery.createdAt),
  };
}

export function serializeAttempt(attempt: WebhookAttempt): z.output<typeof attemptResource> {
  return {
    id: attempt.id,
    delivery_id: attempt.deliveryId,
    number: attempt.number,
    succeeded: attempt.error === null,
    status_code: attempt.statusCode,
    duration_ms: attempt.durationMs,
    error: attempt.error,
    created_at: isoTimestamp(attempt.createdAt),
  };
}

function serializeDeliveryDetail(delivery: webhooks.DeliveryWithAttempts): z.output<typeof deliveryDetailResource> {
  return {
    ...serializeDelivery(delivery),
    // The exact bytes that were signed, so that a receiver can check its verification.
    body: delivery.body,
    attempts: delivery.attemptLog.map(serializeAttempt),
  };
}

export const webhookRoutes: RouteList = [
  route({
    method: 'POST',
    path: '/api/v1/webhooks',
    scope,
    docs: {
      operationId: 'createWebhookEndpoint',
      summary: 'Create a webhook endpoint',
      description: 'The response carries the signing secret, which is not shown again.',
      tag: 'webhooks',
      body: createEndpointBody,
      response: { status: 201, description: 'The new endpoint with its secret', schema: dataEnvelope(endpointWithSecretResource) },
      errors: ['conflict'],
    },
    async handler({ body, services }) {
      const input = mapBodyFields(await body(), endpointFields) as CreateWebhookInput;
      const { endpoint, secret } = await webhooks.createWebhookEndpoint(services, input);

      return dataResponse(serializeEndpoint(endpoint, secret), 201);
    },
  }),
  route({
    method: 'GET',
    path: '/api/v1/webhooks',
    scope,
    docs: {
      operationId: 'listWebhookEndpoints',
      summary: "List the account's webhook endpoints",
      description: 'Oldest first, without their secrets.',
      tag: 'webhooks',
      query: pageQuery,
      response: { status: 200, description: 'One page of endpoints', schema: pageEnvelope(endpointResource) },
      errors: [],
    },
    async handler({ query, services }) {
      const page = parsePageRequest(query);
      const result = await webhooks.listWebhookEndpoints(services, { offset: page.offset, limit: page.perPage });

      return pageResponse(result.endpoints.map((endpoint) => serializeEndpoint(endpoint)), result.total, page);
    },
  }),
  route({
    method: 'GET',
    path: '/api/v1/webhooks/:id',
    scope,
    docs: {
      operationId: 'getWebhookEndpoint',
      summary: 'Fetch a webhook endpoint',
      tag: 'webhooks',
      params: idParams,
      response: { status: 200, description: 'The endpoint', schema: dataEnvelope(endpointResource) },
      errors: ['resource_not_found'],
    },
    async handler({ params, services }) {
      return dataResponse(serializeEndpoint(await webhooks.getWebhookEndpoint(services, params.id!)));
    },
  }),
  route({
    method: 'PUT',
    path: '/api/v1/webhooks/:id',
    scope,
    docs: {
      operationId: 'updateWebhookEndpoint',
      summary: 'Change a webhook endpoint',
      tag: 'webhooks',
      params: idParams,
      body: updateEndpointBody,
      response: { status: 200, description: 'The changed endpoint', schema: dataEnvelope(endpointResource) },
      errors: ['resource_not_found'],
    },
    async handler({ params, body, services }) {
      const input = mapBodyFields(await body(), endpointFields) as UpdateWebhookInput;
      const endpoint = await webhooks.updateWebhookEndpoint(services, params.id!, input);

      return dataResponse(serializeEndpoint(endpoint));
    },
  }),
  route({
    method: 'DELETE',
    path: '/api/v1/webhooks/:id',
    scope,
    docs: {
      operationId: 'deleteWebhookEndpoint',
      summary: 'Delete a webhook endpoint with its deliveries and attempt logs',
      tag: 'webhooks',
      params: idParams,
      response: { status: 200, description: 'The id of the deleted endpoint', schema: deletedEnvelope(resourceId) },
      errors: ['resource_not_found'],
    },
    async handler({ params, services }) {
      const endpoint = await webhooks.deleteWebhookEndpoint(services, params.id!);

      return dataResponse({ id: endpoint.id, deleted: true });
    },
  }),
  route({
    method: 'POST',
    path: '/api/v1/webhooks/:id/rotate-secret',
    scope,
    docs: {
      operationId: 'rotateWebhookEndpointSecret',
      summary: 'Replace the signing secret of a webhook endpoint',
      description: 'The old secret stops working at once; later attempts, retries included, use the new one.',
      tag: 'webhooks',
      params: idParams,
      body: emptyBody,
      bodyOptional: true,
      response: { status: 200, description: 'The endpoint with its new secret', schema: dataEnvelope(endpointWithSecretResource) },
      errors: ['resource_not_found'],
    },
    async handler({ params, body, services }) {
      mapBodyFields(await body({ optional: true }), {});
      const { endpoint, secret } = await webhooks.rotateWebhookSecret(services, params.id!);

      return dataResponse(serializeEndpoint(endpoint, secret));
    },
  }),
  route({
    method: 'GET',
    path: '/api/v1/webhooks/:id/deliveries',
    scope,
    docs: {
      operationId: 'listWebhookDeliveries',
      summary: 'List the deliveries of a webhook endpoint',
      description: 'Newest first.',
      tag: 'webhooks',
      params: idParams,
      query: pageQuery,
      response: { status: 200, description: 'One page of deliveries', schema: pageEnvelope(deliveryResource) },
      errors: ['resource_not_found'],
    },
    async handler({ params, query, services }) {
      const page = parsePageRequest(query);
      const result = await webhooks.listDeliveries(services, params.id!, { offset: page.offset, limit: page.perPage });

      return pageResponse(result.deliveries.map(serializeDelivery), result.total, page);
    },
  }),
  route({
    method: 'GET',
    path: '/api/v1/webhooks/:id/deliveries/:deliveryId',
    scope,
    docs: {
      operationId: 'getWebhookDelivery',
      summary: 'Fetch a delivery with its body and attempts',
      tag: 'webhooks',
      params: deliveryParams,
      response: { status: 200, description: 'The delivery', schema: dataEnvelope(deliveryDetailResource) },
      errors: ['resource_not_found'],
    },
    async handler({ params, services }) {
      const delivery = await webhooks.getDelivery(services, params.deliveryId!, params.id!);

      return dataResponse(serializeDeliveryDetail(delivery));
    },
  }),
  route({
    method: 'POST',
    path: '/api/v1/webhooks/:id/deliveries/:deliveryId/redeliver',
    scope,
    docs: {
      operationId: 'redeliverWebhookDelivery',
      summary: 'Send a delivery again',
      description: 'The delivery keeps its id and body and gets a fresh retry schedule, whatever its status.',
      tag: 'webhooks',
      params: deliveryParams,
      body: emptyBody,
      bodyOptional: true,
      response: { status: 202, description: 'The delivery, queued', schema: dataEnvelope(deliveryDetailResource) },
      errors: ['resource_not_found', 'conflict'],
    },
    async handler({ params, body, services }) {
      mapBodyFields(await body({ optional: true }), {});
      const delivery = await webhooks.redeliver(services, params.deliveryId!, params.id!);

      return dataResponse(serializeDeliveryDetail(delivery), 202);
    },
  }),
  route({
    method: 'GET',
    path: '/api/v1/webhooks/:id/attempts',
    scope,
    docs: {
      operationId: 'listWebhookAttempts',
      summary: 'List the delivery attempts of a webhook endpoint',
      description: 'Newest first, across all deliveries of the endpoint.',
      tag: 'webhooks',
      params: idParams,
      query: pageQuery,
      response: { status: 200, description: 'One page of attempts', schema: pageEnvelope(attemptResource) },
      errors: ['resource_not_found'],
    },
    async handler({ params, query, services }) {
      const page = parsePageRequest(query);
      const result = await webhooks.listAttempts(services, params.id!, { offset: page.offset, limit: page.perPage });

      return pageResponse(result.attempts.map(serializeAttempt), result.total, page);
    },
  }),
];
