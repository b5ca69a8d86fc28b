import { z } from 'zod';
import { ValidationError, type FieldIssue } from '../errors.js';
import { toFieldIssues, type FieldNames } from '../validation.js';

function unknownFieldIssues(body: Record<string, unknown>, accepted: readonly string[]): FieldIssue[] {
  const allowed = accepted.length === 0 ? 'none, send {} or no body' : accepted.join(', ');

  // A list lookup, because `in` would also accept inherited names such as `constructor`.
  return Object.keys(body)
    .filter((key) => !accepted.includes(key))
    .map((field) => ({ field, message: `is not a field of this endpoint; accepted fields: ${allowed}` }));
}

/**
 * Rejects a body with fields that `schema` (the route's body in REST names) does not
 * accept. The error also lists every problem of the accepted fields, so that one
 * response names every invalid field rather than the misspelt ones alone.
 */
export function assertKnownFields(body: Record<string, unknown>, schema: z.ZodType | undefined): void {
  if (!(schema instanceof z.ZodObject)) {
    return;
  }
  const unknown = unknownFieldIssues(body, Object.keys(schema.shape));
  if (unknown.length === 0) {
    return;
  }
  const result = schema.safeParse(body);
  const known = result.success
    ? []
    : toFieldIssues(
        new z.ZodError(result.error.issues.filter((issue) => issue.code !== 'unrecognized_keys')),
      );

  throw new ValidationError([...known, ...unknown]);
}

/**
 * Renames the fields of a REST body to the service's names and rejects fields the
 * endpoint does not accept, so that a misspelt field is reported instead of ignored.
 */
export function mapBodyFields(
  body: Record<string, unknown>,
  restToService: Readonly<Record<string, string>>,
): Record<string, unknown> {
  const unknown = unknownFieldIssues(body, Object.keys(restToService));
  if (unknown.length > 0) {
    throw new ValidationError(unknown);
  }
  const mapped: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    mapped[restToService[key]!] = value;
  }

  return mapped;
}

/** Inverts a REST-to-service field map, for naming service fields in errors. */
export function invertFields(restToService: Readonly<Record<string, string>>): FieldNames {
  return Object.fromEntries(Object.entries(restToService).map(([rest, service]) => [service, rest]));
}
