import { AppError, ErrorCode } from '../errors.js';
import { pageMeta, type PageRequest } from '../pagination.js';

const jsonHeaders = { 'content-type': 'application/json; charset=utf-8' };

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...jsonHeaders, ...headers } });
}

/** `{"data": ...}` */
export function dataResponse(data: unknown, status = 200): Response {
  return json({ data }, status);
}

/** `{"data": [...], "meta": {total, page, per_page, total_pages}}` */
export function pageResponse(items: unknown[], total: number, page: PageRequest): Response {
  return json({ data: items, meta: pageMeta(total, page) });
}

/** The error envelope: `{"error": {code, message, status}}`, plus `details` for fields. */
export function errorResponse(error: AppError): Response {
  const body: Record<string, unknown> = {
    code: error.code,
    message: error.message,
    status: error.status,
  };
  if (error.details !== undefined) {
    body.details = error.details;
  }

  return json({ error: body }, error.status, error.headers);
}

export function internalErrorResponse(requestId: string | undefined): Response {
  const reference = requestId === undefined ? '' : ` (request id ${requestId})`;

  return errorResponse(
    new AppError(ErrorCode.InternalError, `Internal server error${reference}; report it with the request id`),
  );
}
