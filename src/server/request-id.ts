import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Request ids a client may choose: 1 to 128 characters of letters, digits and `._-:`. */
const acceptedRequestId = /^[A-Za-z0-9._:-]{1,128}$/;

/** The client's `X-Request-ID` when it is acceptable, otherwise a new UUID. */
export function requestIdFor(request: IncomingMessage): string {
  const header = request.headers['x-request-id'];
  const value = Array.isArray(header) ? header[0] : header;

  return value !== undefined && acceptedRequestId.test(value) ? value : randomUUID();
}
