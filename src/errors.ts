import { GraphQLError } from 'graphql';

/**
 * Machine-readable error codes, shared by the REST envelope (`error.code`) and GraphQL
 * (`extensions.code`). The first eight are the REST v1 contract; the rest cover cases
 * that contract leaves open.
 */
export const ErrorCode = {
  ValidationError: 'validation_error',
  AuthRequired: 'auth_required',
  InsufficientScope: 'insufficient_scope',
  ResourceNotFound: 'resource_not_found',
  MethodNotAllowed: 'method_not_allowed',
  RateLimitExceeded: 'rate_limit_exceeded',
  InternalError: 'internal_error',
  ServiceUnavailable: 'service_unavailable',
  Conflict: 'conflict',
  PayloadTooLarge: 'payload_too_large',
  UnsupportedMediaType: 'unsupported_media_type',
  PlanUpgradeRequired: 'plan_upgrade_required',
  QuotaExceeded: 'quota_exceeded',
  ToolError: 'tool_error',
  ToolTimeout: 'tool_timeout',
  UpstreamError: 'upstream_error',
  UpstreamTimeout: 'upstream_timeout',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const statusByCode: Record<ErrorCode, number> = {
  validation_error: 400,
  auth_required: 401,
  insufficient_scope: 403,
  resource_not_found: 404,
  method_not_allowed: 405,
  rate_limit_exceeded: 429,
  internal_error: 500,
  service_unavailable: 503,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  plan_upgrade_required: 403,
  quota_exceeded: 403,
  tool_error: 422,
  tool_timeout: 504,
  upstream_error: 502,
  upstream_timeout: 504,
};

/** The HTTP status that goes with an error code. */
export function statusOfCode(code: ErrorCode): number {
  return statusByCode[code];
}

/** One invalid input field: `field` is a dotted path in the caller's field names. */
export interface FieldIssue {
  field: string;
  message: string;
}

export interface AppErrorOptions {
  details?: FieldIssue[];
  headers?: Record<string, string>;
  cause?: unknown;
  /**
   * Marks a failure of the whole GraphQL request (bad credential, body too large), which
   * Yoga then answers with this error's HTTP status instead of 200.
   */
  http?: boolean;
}

/**
 * An expected failure that a client may see. It is a `GraphQLError`, so GraphQL passes
 * it through unmasked, and the REST layer renders it as the error envelope.
 */
export class AppError extends GraphQLError {
  override name = 'AppError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: FieldIssue[] | undefined;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, {
      originalError: options.cause instanceof Error ? options.cause : undefined,
      extensions: {
        code,
        status: statusByCode[code],
        ...(options.details === undefined ? {} : { details: options.details }),
        ...(options.http === true ? { http: { status: statusByCode[code], headers: options.headers ?? {} } } : {}),
      },
    });
    this.code = code;
    this.status = statusByCode[code];
    this.details = options.details;
    this.headers = options.headers ?? {};
  }

  /** The same error as a failure of the whole GraphQL request. */
  asRequestError(): AppError {
    return new AppError(this.code, this.message, {
      details: this.details,
      headers: this.headers,
      cause: this,
      http: true,
    });
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/**
 * Input that failed validation. `details` names every invalid field; the message joins
 * them so that a client that reads only `message` still learns every problem.
 */
export class ValidationError extends AppError {
  override name = 'ValidationError';

  constructor(details: FieldIssue[], summary = 'Invalid request') {
    super(ErrorCode.ValidationError, formatIssues(summary, details), { details });
  }
}

export function formatIssues(summary: string, details: FieldIssue[]): string {
  if (details.length === 0) {
    return summary;
  }

  return `${summary}: ${details.map((issue) => `${issue.field} ${issue.message}`).join('; ')}`;
}

export function notFound(resource: string, id: string | number): AppError {
  return new AppError(ErrorCode.ResourceNotFound, `${resource} ${id} was not found`);
}

/** A 401 with the `WWW-Authenticate` challenge that RFC 6750 asks bearer-token APIs to send. */
export function authRequired(message = 'Missing credentials: send an API key or token as "Authorization: Bearer <token>"'): AppError {
  return new AppError(ErrorCode.AuthRequired, message, { headers: { 'www-authenticate': 'Bearer realm="agentgraph"' } });
}

export function insufficientScope(scope: string): AppError {
  return new AppError(
    ErrorCode.InsufficientScope,
    `This credential lacks the "${scope}" scope required for this operation`,
  );
}

export function serviceUnavailable(message: string): AppError {
  return new AppError(ErrorCode.ServiceUnavailable, message);
}
