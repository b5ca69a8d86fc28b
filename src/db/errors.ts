import { AppError, ErrorCode } from '../errors.js';
import { Prisma } from '../generated/prisma/client.js';

/**
 * Prisma codes for a database that cannot be reached or has no connection to spare:
 * P1001 unreachable, P1002 and P1008 timed out, P1017 connection closed, P2024 pool
 * timeout, P2037 too many connections.
 */
const unavailableCodes = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2037']);

/**
 * Translates the Prisma errors that a client's input can cause into expected errors, and
 * an unreachable database into `service_unavailable`, which a client may retry.
 * Detection relies on the stable error code alone: driver adapters report the columns
 * of a unique violation in a different `meta` field than the native engine does.
 */
export function translateDatabaseError(error: unknown): AppError | undefined {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) {
    return undefined;
  }
  if (unavailableCodes.has(error.code)) {
    return new AppError(
      ErrorCode.ServiceUnavailable,
      'The database is unreachable. Retry the request later.',
      { cause: error },
    );
  }
  switch (error.code) {
    case 'P2002':
      return new AppError(ErrorCode.Conflict, 'A resource with the same unique values already exists', { cause: error });
    case 'P2025':
      return new AppError(ErrorCode.ResourceNotFound, 'The resource was not found; it may have just been deleted', { cause: error });
    case 'P2034':
      return new AppError(ErrorCode.Conflict, 'The request conflicted with a concurrent change; retry it', { cause: error });
    default:
      return undefined;
  }
}
