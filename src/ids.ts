/** Largest value of a PostgreSQL `integer` column, the type of every numeric id. */
export const maxDatabaseId = 2_147_483_647;

/**
 * Parses a numeric resource id from a path or argument. Anything that is not a decimal
 * integer from 1 to {@link maxDatabaseId} cannot name a row, so callers treat
 * `undefined` as "not found" rather than sending it to the database.
 */
export function parseDatabaseId(value: string | number): number | undefined {
  const text = String(value);
  if (!/^[1-9][0-9]{0,9}$/.test(text)) {
    return undefined;
  }
  const id = Number(text);

  return id <= maxDatabaseId ? id : undefined;
}
