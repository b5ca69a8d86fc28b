/**
 * Standard output carries only a command's result, so that scripts can capture it with
 * `$(npm run -s cli -- ...)`. Everything meant for the operator goes to standard error.
 */
export function writeResult(text: string): void {
  process.stdout.write(`${text}\n`);
}

export function writeNotice(text: string): void {
  process.stderr.write(`${text}\n`);
}

export function writeJson(value: unknown): void {
  writeResult(JSON.stringify(value, null, 2));
}

/** Formats a time in UTC to the second, or `-` for none. */
export function formatTimestamp(date: Date | null): string {
  return date === null ? '-' : date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function isoTimestamp(date: Date | null): string | null {
  return date === null ? null : date.toISOString();
}

/** Lays out rows under a header in columns separated by two spaces. */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const formatRow = (row: readonly string[]) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();

  return [formatRow(header), ...rows.map(formatRow)].join('\n');
}

/** Splits a comma-separated option value such as `agents:read,agents:write`. */
export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
