/** One invalid field of a `validation_error`, in the REST field names. */
export interface FieldIssue {
  field: string;
  message: string;
}

export interface ApiErrorOptions {
  status: number;
  code: string;
  requestId: string | undefined;
  details?: FieldIssue[];
  headers?: Headers;
}

/**
 * An error response of the API: `status` is the HTTP status, `code` the `error.code` of
 * the envelope (such as `resource_not_found`) and `requestId` the `X-Request-ID` to quote
 * in a support request.
 */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  readonly code: string;
  readonly requestId: string | undefined;
  readonly headers: Headers;

  constructor(message: string, options: ApiErrorOptions) {
    super(message);
    this.status = options.status;
    this.code = options.code;
    this.requestId = options.requestId;
    this.headers = options.headers ?? new Headers();
  }
}

/** 400: a parameter or field is missing or invalid; `details` names each one. */
export class ValidationError extends ApiError {
  override name = 'ValidationError';
  readonly details: FieldIssue[];

  constructor(message: string, options: ApiErrorOptions) {
    super(message, options);
    this.details = options.details ?? [];
  }
}

/** 401: the credential is missing, invalid, expired or revoked. */
export class AuthError extends ApiError {
  override name = 'AuthError';
}

/** 403: the credential lacks a scope, or the plan does not allow the request. */
export class PermissionError extends ApiError {
  override name = 'PermissionError';
}

/** 404: no such resource in this account, or no such endpoint. */
export class NotFoundError extends ApiError {
  override name = 'NotFoundError';
}

/** 429: a rate-limit window is full; `retryAfter` is the server's `Retry-After` in seconds. */
export class RateLimitError extends ApiError {
  override name = 'RateLimitError';
  readonly retryAfter: number | undefined;

  constructor(message: string, options: ApiErrorOptions & { retryAfter: number | undefined }) {
    super(message, options);
    this.retryAfter = options.retryAfter;
  }
}

/** 5xx: a server fault or an unavailable dependency. */
export class ServerError extends ApiError {
  override name = 'ServerError';
}

/** The request did not get a response: the connection failed or was reset. */
export class ConnectionError extends Error {
  override name = 'ConnectionError';
}

/** No response came within the client's `timeoutMs`. */
export class TimeoutError extends ConnectionError {
  override name = 'TimeoutError';
}

/**
 * Reads `Retry-After`, which RFC 9110 allows as seconds or as an HTTP date, as seconds
 * from `now`; `undefined` when the header is missing or unreadable.
 */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') {
    return undefined;
  }
  if (/^\d+$/.test(value.trim())) {
    return Number(value.trim());
  }
  // Every HTTP-date form names the month, and Date.parse would read bare numbers such
  // as "-5" or "1.5" as dates.
  if (!/[A-Za-z]{3}/.test(value)) {
    return undefined;
  }
  const date = Date.parse(value);

  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

/** The error class for an HTTP status, built from the fields of an error envelope. */
export function errorForStatus(message: string, options: ApiErrorOptions): ApiError {
  const { status } = options;
  if (status === 400) {
    return new ValidationError(message, options);
  }
  if (status === 401) {
    return new AuthError(message, options);
  }
  if (status === 403) {
    return new PermissionError(message, options);
  }
  if (status === 404) {
    return new NotFoundError(message, options);
  }
  if (status === 429) {
    return new RateLimitError(message, { ...options, retryAfter: parseRetryAfter(options.headers?.get('retry-after') ?? null) });
  }
  if (status >= 500) {
    return new ServerError(message, options);
  }

  return new ApiError(message, options);
}

interface ErrorEnvelope {
  error?: { code?: unknown; message?: unknown; details?: unknown } | string;
  /** The OAuth token endpoint answers in RFC 6749's format: `error` is the code. */
  error_description?: unknown;
  /** A GraphQL request that failed as a whole, such as one with a bad credential. */
  errors?: { message?: unknown; extensions?: { code?: unknown } }[];
}

/** Builds the error for a response that is not 2xx, reading the error envelope when there is one. */
export async function errorFromResponse(response: Response): Promise<ApiError> {
  const requestId = response.headers.get('x-request-id') ?? undefined;
  let envelope: ErrorEnvelope | undefined;
  try {
    envelope = (await response.json()) as ErrorEnvelope;
  } catch {
    envelope = undefined;
  }
  const fallback = `The server answered ${response.status} ${response.statusText}`.trim();
  if (typeof envelope?.error === 'string') {
    const description = typeof envelope.error_description === 'string' ? envelope.error_description : fallback;

    return errorForStatus(description, { status: response.status, code: envelope.error, requestId, headers: response.headers });
  }
  const graphqlError = Array.isArray(envelope?.errors) ? envelope.errors[0] : undefined;
  if (graphqlError !== undefined) {
    const code = typeof graphqlError.extensions?.code === 'string' ? graphqlError.extensions.code : `http_${response.status}`;
    const message = typeof graphqlError.message === 'string' ? graphqlError.message : fallback;

    return errorForStatus(message, { status: response.status, code, requestId, headers: response.headers });
  }
  const body = envelope?.error;
  const code = typeof body?.code === 'string' ? body.code : `http_${response.status}`;
  const message = typeof body?.message === 'string' ? body.message : fallback;
  const details = Array.isArray(body?.details) ? (body.details as FieldIssue[]) : undefined;

  return errorForStatus(message, { status: response.status, code, requestId, details, headers: response.headers });
}
