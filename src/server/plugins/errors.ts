import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { translateDatabaseError } from '../../db/errors.js';
import { AppError, ErrorCode } from '../../errors.js';
import { requestScope, type Logger } from '../../logger.js';

/** Codes that Yoga and graphql-js give request errors, all of them the client's fault. */
const clientErrorCodes = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
]);

/**
 * Replaces unexpected errors with `internal_error` and the request id, after logging
 * them, so that stack traces and SQL never reach a client. Expected errors (`AppError`s,
 * GraphQL validation errors) pass through.
 */
export function maskErrorWith(log: Logger) {
  return (error: unknown): Error => {
    const graphqlError = error instanceof GraphQLError ? error : undefined;
    const original = graphqlError === undefined ? error : graphqlError.originalError;
    if (original === undefined || original instanceof GraphQLError) {
      return graphqlError ?? (original as GraphQLError);
    }
    const translated = translateDatabaseError(original);
    const options = { nodes: graphqlError?.nodes, path: graphqlError?.path, source: graphqlError?.source };
    // A database outage becomes service_unavailable but is still a server fault, so it is logged.
    if (translated === undefined || translated.status >= 500) {
      log.error({ err: original, path: graphqlError?.path?.join('.') }, 'GraphQL request failed');
    }
    if (translated !== undefined) {
      return new GraphQLError(translated.message, { ...options, extensions: translated.extensions });
    }
    const requestId = requestScope.getStore()?.requestId;
    const reference = requestId === undefined ? '' : ` (request id ${requestId})`;

    return new GraphQLError(`Internal server error${reference}; report it with the request id`, {
      ...options,
      extensions: { code: ErrorCode.InternalError, status: 500 },
    });
  };
}

/** Codes for the HTTP statuses that Yoga gives request errors other than 400. */
const codeByHttpStatus = new Map<number, ErrorCode>([
  [405, ErrorCode.MethodNotAllowed],
  [413, ErrorCode.PayloadTooLarge],
  [415, ErrorCode.UnsupportedMediaType],
]);

/**
 * Gives a GraphQL error that has no code from the REST set one: the code of the HTTP
 * status that Yoga responds with, such as `method_not_allowed` for a PUT, else
 * `validation_error` for malformed requests.
 */
export function assignErrorCode(error: GraphQLError): void {
  if (error instanceof AppError) {
    return;
  }
  const extensions = error.extensions as Record<string, unknown>;
  const code = extensions.code;
  if (code === undefined || (typeof code === 'string' && clientErrorCodes.has(code))) {
    const httpStatus = (extensions.http as { status?: unknown } | undefined)?.status;
    const byStatus = typeof httpStatus === 'number' ? codeByHttpStatus.get(httpStatus) : undefined;
    extensions.code = byStatus ?? ErrorCode.ValidationError;
    extensions.status = byStatus === undefined ? 400 : httpStatus;
  }
}

/** Applies {@link assignErrorCode} to every error of every HTTP result. */
export function useErrorCodes(): Plugin {
  return {
    onResultProcess({ result }) {
      const results = Array.isArray(result) ? result : [result];
      for (const item of results) {
        const errors = (item as { errors?: readonly GraphQLError[] }).errors;
        for (const error of errors ?? []) {
          assignErrorCode(error);
        }
      }
    },
  };
}
