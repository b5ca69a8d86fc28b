import { AppError, ErrorCode } from '../errors.js';
import { Prisma } from '../generated/prisma/client.js';

/**
 * Translates the Prisma errors that a client's input can cause into expected errors.
 * Detection relies on the stable error code alone: driver adapters report the columns
 * of a unique violation in a different `meta` field than the native engine does.
 */
export function translateDatabaseError(error: unknown): AppError | undefined {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) {
    return undefined;
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
