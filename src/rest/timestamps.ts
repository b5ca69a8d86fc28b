/** Formats a timestamp as the REST API does: ISO 8601 in UTC, whole seconds, `Z` suffix. */
export function isoTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
