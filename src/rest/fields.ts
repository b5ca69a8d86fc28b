import { ValidationError } from '../errors.js';
import type { FieldNames } from '../validation.js';

/**
 * Renames the fields of a REST body to the service's names and rejects fields the
 * endpoint does not accept, so that a misspelt field is reported instead of ignored.
 */
export function mapBodyFields(
  body: Record<string, unknown>,
  restToService: Readonly<Record<string, string>>,
): Record<string, unknown> {
  const unknown = Object.keys(body).filter((key) => !(key in restToService));
  if (unknown.length > 0) {
    const allowed = Object.keys(restToService).join(', ');
    throw new ValidationError(
      unknown.map((field) => ({ field, message: `is not a field of this endpoint; accepted fields: ${allowed}` })),
    );
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
