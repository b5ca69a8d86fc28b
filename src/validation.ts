import type { z } from 'zod';
import { ValidationError, type FieldIssue } from './errors.js';

/**
 * Maps a field path of a schema to the name the caller used, such as `name` to
 * `agent_name` for REST bodies. Paths without an entry keep their own name.
 */
export type FieldNames = Readonly<Record<string, string>>;

function describeIssue(issue: z.core.$ZodIssue): string {
  return issue.message;
}

/** Converts zod issues into field issues, naming each field as the caller knows it. */
export function toFieldIssues(error: z.ZodError, names: FieldNames = {}, root = 'body'): FieldIssue[] {
  return error.issues.map((issue) => {
    const [head, ...rest] = issue.path.map(String);
    const field = head === undefined ? root : [names[head] ?? head, ...rest].join('.');

    return { field, message: describeIssue(issue) };
  });
}

/** Parses `input` with `schema` or raises a `ValidationError` that lists every problem. */
export function parseInput<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  names: FieldNames = {},
): z.output<Schema> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new ValidationError(toFieldIssues(result.error, names));
  }

  return result.data;
}
