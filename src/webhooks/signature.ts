import { createHmac, randomBytes } from 'node:crypto';
import { randomString } from '../auth/secrets.js';

/** The `User-Agent` of every delivery, a literal that receivers may match on. */
export const webhookUserAgent = 'Alfred-Webhooks/1.0';

/** `whsec_` and 32 base62 characters (about 190 bits). The whole string is the HMAC key. */
export function generateWebhookSecret(): string {
  return `whsec_${randomString(32)}`;
}

/** `whd_` and 24 hex digits; the `X-Webhook-Delivery` header of every attempt of a delivery. */
export function generateDeliveryId(): string {
  return `whd_${randomBytes(12).toString('hex')}`;
}

/**
 * Computes the `X-Webhook-Signature` value: `sha256=` and the lowercase hex HMAC-SHA256 of the body's
 * UTF-8 bytes, keyed with the secret's UTF-8 bytes. GitHub's `X-Hub-Signature-256` uses the
 * same scheme, so its verifiers accept these signatures.
 */
export function signWebhookBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** ISO 8601 in UTC with whole seconds and a `+00:00` offset, as webhook payloads show it. */
export function webhookTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

/**
 * Serialises the body of every delivery of an event: exactly `id`, `event`, `timestamp` and `data`,
 * in that order. It is built once and stored, so that retries send the same bytes.
 */
export function webhookBody(event: { id: string; type: string; createdAt: Date; data: unknown }): string {
  return JSON.stringify({
    id: event.id,
    event: event.type,
    timestamp: webhookTimestamp(event.createdAt),
    data: event.data,
  });
}
