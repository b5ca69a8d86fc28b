import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { ErrorCode } from '../errors.js';
import type { Logger } from '../logger.js';

/** Statuses for the parser errors of Node.js's HTTP server that are not a plain 400. */
const statusByParserCode: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

/**
 * Responds to a request that Node.js's HTTP parser rejects (malformed syntax, headers over
 * the size limit) with the JSON error envelope, where Node.js would send an empty 400
 * or 431. The body's `status` is the response's, and its code is `validation_error`,
 * as no request handler ever saw the request.
 */
export function createClientErrorListener(log: Logger) {
  return (error: NodeJS.ErrnoException, socket: Duplex): void => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();

      return;
    }
    const status = statusByParserCode[error.code ?? ''] ?? 400;
    const message =
      status === 431
        ? 'Request headers are larger than the server accepts; send fewer or shorter headers'
        : status === 408
          ? 'The request was not received in time'
          : `Malformed HTTP request: ${error.message}`;
    const body = JSON.stringify({ error: { code: ErrorCode.ValidationError, message, status } });
    const requestId = randomUUID();
    log.debug({ requestId, code: error.code, status }, 'rejected a request that the HTTP parser could not read');
    socket.end(
      [
        `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
        'Content-Type: application/json; charset=utf-8',
        `X-Request-ID: ${requestId}`,
        `Content-Length: ${Buffer.byteLength(body)}`,
        'Connection: close',
        '',
        body,
      ].join('\r\n'),
    );
  };
}
