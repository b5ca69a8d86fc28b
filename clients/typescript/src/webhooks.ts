import { createHmac, timingSafeEqual } from 'node:crypto';

/** A webhook body as the platform sends it. */
export interface WebhookPayload<Data = Record<string, unknown>> {
  /** The event id, `evt_` and 24 hex digits; the same in every delivery of the event. */
  id: string;
  /** The event name, such as `agent.deployed`; the same as the `X-Webhook-Event` header. */
  event: string;
  /** When the event happened: ISO 8601 with a `+00:00` offset. */
  timestamp: string;
  data: Data;
}

/** Raised by {@link verifyAndParse} for a delivery that must not be trusted. */
export class WebhookVerificationError extends Error {
  override name = 'WebhookVerificationError';
}

const signaturePattern = /^sha256=([0-9a-fA-F]{64})$/;

/**
 * Checks an `X-Webhook-Signature` header (`sha256=<hex HMAC-SHA256>`) against the raw body
 * and the endpoint's signing secret. The digests are compared in constant time, as bytes.
 * A missing, malformed or wrong signature returns false; nothing here throws.
 *
 * @param rawBody - the body exactly as received, before any JSON parsing
 * @param signatureHeader - the `X-Webhook-Signature` value; Node's array form is accepted
 * @param secret - the endpoint's signing secret, `whsec_...`
 */
export function verifySignature(
  rawBody: string | Uint8Array,
  signatureHeader: string | readonly string[] | null | undefined,
  secret: string,
): boolean {
  let header: string | null | undefined;
  if (Array.isArray(signatureHeader)) {
    // Node's headers arrive as an array when a header is repeated; two signatures are rejected.
    header = signatureHeader.length === 1 ? signatureHeader[0] : undefined;
  } else {
    header = signatureHeader as string | null | undefined;
  }
  if (typeof header !== 'string' || typeof secret !== 'string' || secret === '') {
    return false;
  }
  const match = signaturePattern.exec(header.trim());
  if (match === null) {
    return false;
  }
  const hmac = createHmac('sha256', secret);
  if (typeof rawBody === 'string') {
    hmac.update(rawBody, 'utf8');
  } else {
    hmac.update(rawBody);
  }
  const expected = hmac.digest();
  // The pattern allows only 64 hex digits, so both buffers hold 32 bytes and
  // timingSafeEqual cannot throw on a length mismatch.
  const received = Buffer.from(match[1]!, 'hex');

  return received.length === expected.length && timingSafeEqual(received, expected);
}

function isPayload(value: unknown): value is WebhookPayload {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const payload = value as Record<string, unknown>;

  return (
    typeof payload.id === 'string' &&
    typeof payload.event === 'string' &&
    typeof payload.timestamp === 'string' &&
    typeof payload.data === 'object' &&
    payload.data !== null &&
    !Array.isArray(payload.data)
  );
}

/**
 * Verifies a delivery's signature and then parses its body. Raises
 * {@link WebhookVerificationError} when the signature is missing or wrong, or when a
 * correctly signed body is not a webhook payload.
 *
 * NOTE: the signature does not cover a timestamp, so it cannot reject an old delivery that
 * is replayed. Receivers that care should drop `X-Webhook-Delivery` ids they have seen.
 */
export function verifyAndParse<Data = Record<string, unknown>>(
  rawBody: string | Uint8Array,
  signatureHeader: string | readonly string[] | null | undefined,
  secret: string,
): WebhookPayload<Data> {
  if (signatureHeader === undefined || signatureHeader === null || signatureHeader === '') {
    throw new WebhookVerificationError('The X-Webhook-Signature header is missing');
  }
  if (!verifySignature(rawBody, signatureHeader, secret)) {
    throw new WebhookVerificationError(
      'The X-Webhook-Signature header does not match the body; check the secret and pass the raw body, not parsed JSON',
    );
  }
  const text = typeof rawBody === 'string' ? rawBody : Buffer.from(rawBody).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new WebhookVerificationError('The webhook body is not valid JSON');
  }
  if (!isPayload(parsed)) {
    throw new WebhookVerificationError('The webhook body lacks one of the fields id, event, timestamp and data');
  }

  return parsed as WebhookPayload<Data>;
}

/** The helpers under the names the SDK exposes them by: `webhooks.verifyAndParse(...)`. */
export const webhooks = { verifyAndParse, verifySignature };
