import type { RequestOptions } from '../transport.js';
import type { BodyOf, QueryOf, ResponseOf } from '../types.js';
import { verifyAndParse, verifySignature, type WebhookPayload } from '../webhooks.js';
import { Resource } from './base.js';

/**
 * Webhook endpoints and their deliveries (`/api/v1/webhooks`, which needs the `*`
 * scope), and verification of the deliveries a receiver gets.
 */
export class Webhooks extends Resource {
  /**
   * Checks `X-Webhook-Signature` against the raw body and the endpoint's secret, then
   * parses the body. Raises `WebhookVerificationError` when the signature is missing or
   * wrong. Pass the body exactly as received, before any JSON parsing.
   */
  verifyAndParse<Data = Record<string, unknown>>(
    rawBody: string | Uint8Array,
    signature: string | readonly string[] | null | undefined,
    secret: string,
  ): WebhookPayload<Data> {
    return verifyAndParse<Data>(rawBody, signature, secret);
  }

  /** Whether `signature` is valid for `rawBody`; never throws. */
  verifySignature(rawBody: string | Uint8Array, signature: string | readonly string[] | null | undefined, secret: string): boolean {
    return verifySignature(rawBody, signature, secret);
  }

  /** Creates an endpoint; `data.secret` is the signing secret, shown only in this response. */
  async create(params: BodyOf<'createWebhookEndpoint'>, options?: RequestOptions): Promise<ResponseOf<'createWebhookEndpoint'>> {
    const { data } = await this.rest.POST('/api/v1/webhooks', { body: params, fetch: this.fetchWith(options) });

    return data!;
  }

  async list(query: QueryOf<'listWebhookEndpoints'> = {}, options?: RequestOptions): Promise<ResponseOf<'listWebhookEndpoints'>> {
    const { data } = await this.rest.GET('/api/v1/webhooks', { params: { query }, fetch: this.fetchWith(options) });

    return data!;
  }

  async get(id: number, options?: RequestOptions): Promise<ResponseOf<'getWebhookEndpoint'>> {
    const { data } = await this.rest.GET('/api/v1/webhooks/{id}', { params: { path: { id } }, fetch: this.fetchWith(options) });

    return data!;
  }

  async update(
    id: number,
    params: BodyOf<'updateWebhookEndpoint'>,
    options?: RequestOptions,
  ): Promise<ResponseOf<'updateWebhookEndpoint'>> {
    const { data } = await this.rest.PUT('/api/v1/webhooks/{id}', {
      params: { path: { id } },
      body: params,
      fetch: this.fetchWith(options),
    });

    return data!;
  }

  async delete(id: number, options?: RequestOptions): Promise<ResponseOf<'deleteWebhookEndpoint'>> {
    const { data } = await this.rest.DELETE('/api/v1/webhooks/{id}', { params: { path: { id } }, fetch: this.fetchWith(options) });

    return data!;
  }

  /** Replaces the signing secret; the new one is in `data.secret`. */
  async rotateSecret(id: number, options?: RequestOptions): Promise<ResponseOf<'rotateWebhookEndpointSecret'>> {
    const { data } = await this.rest.POST('/api/v1/webhooks/{id}/rotate-secret', {
      params: { path: { id } },
      fetch: this.fetchWith(options),
    });

    return data!;
  }

  async deliveries(
    id: number,
    query: QueryOf<'listWebhookDeliveries'> = {},
    options?: RequestOptions,
  ): Promise<ResponseOf<'listWebhookDeliveries'>> {
    const { data } = await this.rest.GET('/api/v1/webhooks/{id}/deliveries', {
      params: { path: { id }, query },
      fetch: this.fetchWith(options),
    });

    return data!;
  }

  /** One delivery with the signed body and every attempt. */
  async delivery(id: number, deliveryId: string, options?: RequestOptions): Promise<ResponseOf<'getWebhookDelivery'>> {
    const { data } = await this.rest.GET('/api/v1/webhooks/{id}/deliveries/{deliveryId}', {
      params: { path: { id, deliveryId } },
      fetch: this.fetchWith(options),
    });

    return data!;
  }

  /** Queues the delivery again. */
  async redeliver(id: number, deliveryId: string, options?: RequestOptions): Promise<ResponseOf<'redeliverWebhookDelivery'>> {
    const { data } = await this.rest.POST('/api/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver', {
      params: { path: { id, deliveryId } },
      fetch: this.fetchWith(options),
    });

    return data!;
  }

  async attempts(
    id: number,
    query: QueryOf<'listWebhookAttempts'> = {},
    options?: RequestOptions,
  ): Promise<ResponseOf<'listWebhookAttempts'>> {
    const { data } = await this.rest.GET('/api/v1/webhooks/{id}/attempts', {
      params: { path: { id }, query },
      fetch: this.fetchWith(options),
    });

    return data!;
  }
}
