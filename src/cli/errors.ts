import pg from 'pg';
import { ConfigError } from '../config.js';
import { EmbeddedDatabaseLockedError } from '../db/embedded.js';
import { MigrationError } from '../db/migrate.js';
import { AppError, formatIssues, ValidationError } from '../errors.js';

/** A command line that parses but is incomplete, such as `keys revoke` without a key. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The option that supplies each service input field, so messages name what was typed. */
const optionByField: Readonly<Record<string, string>> = {
  email: '--email',
  plan: '--tier',
  name: '--name',
  scopes: '--scopes',
  password: 'the password on standard input',
};

const connectionErrorCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
]);

/**
 * SQLSTATE classes that mean the database cannot be used at all: 08 connection
 * exception, 28 invalid authorization, 3D invalid catalog name (no such database).
 */
const connectionSqlStates = /^(08|28|3D)/;

function errorMessage(error: Error): string {
  if (error.message === '' && error instanceof AggregateError) {
    return error.errors
      .map((inner) => (inner instanceof Error ? inner.message : String(inner)))
      .join('; ');
  }

  return error.message;
}

function isConnectionError(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  if (error instanceof pg.DatabaseError) {
    return code !== undefined && connectionSqlStates.test(code);
  }

  return code !== undefined && connectionErrorCodes.has(code);
}

/**
 * Describes an expected failure in one line for the operator, or returns `undefined` for
 * an unexpected one, whose stack trace is then worth printing.
 */
export function describeExpectedError(error: unknown): string | undefined {
  if (!(error instanceof Error)) {
    return undefined;
  }
  if (error instanceof ValidationError) {
    const details = (error.details ?? []).map((issue) => ({
      field: optionByField[issue.field] ?? issue.field,
      message: issue.message,
    }));

    return formatIssues('Invalid input', details);
  }
  if (
    error instanceof AppError ||
    error instanceof ConfigError ||
    error instanceof MigrationError ||
    error instanceof EmbeddedDatabaseLockedError ||
    error instanceof UsageError
  ) {
    return error.message;
  }
  if (isConnectionError(error)) {
    return `Could not connect to the database: ${errorMessage(error)}. Check DATABASE_URL.`;
  }

  return undefined;
}
