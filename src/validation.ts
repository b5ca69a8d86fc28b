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

/**
 * True for text PostgreSQL can store: no NUL character, which `text` columns reject,
 * and no unpaired UTF-16 surrogate, which has no UTF-8 encoding.
 */
export function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && !unpairedSurrogate.test(text);
}

const unpairedSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Returns the path of the first string (or object key) in `value` that PostgreSQL
 * could not store, or `undefined` when there is none.
 */
export function findUnstorableText(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') {
    return isStorableText(value) ? undefined : path;
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findUnstorableText(item, `${path}.${index}`);
      if (found !== undefined) {
        return found;
      }
    }

    return undefined;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const found = isStorableText(key) ? findUnstorableText(item, `${path}.${key}`) : `${path}.${key}`;
      if (found !== undefined) {
        return found;
      }
    }
  }

  return undefined;
}

/** The validation error for text that {@link findUnstorableText} found at `field`. */
export function unstorableTextError(field: string): ValidationError {
  return new ValidationError([
    { field, message: 'contains a NUL character (\\u0000) or an unpaired UTF-16 surrogate, which cannot be stored' },
  ]);
}

/** Deepest nesting of arrays and objects that a request body or GraphQL variables may have. */
export const maxJsonDepth = 64;

/**
 * Returns true when `value` nests arrays and objects more than `maxDepth` levels deep, a
 * top-level object being level 1. It walks without recursion, because a body of a few
 * hundred kilobytes can nest deep enough to overflow the call stack of recursive code.
 */
export function isNestedDeeperThan(value: unknown, maxDepth = maxJsonDepth): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  while (pending.length > 0) {
    const [item, level] = pending.pop()!;
    if (typeof item !== 'object' || item === null) {
      continue;
    }
    if (level > maxDepth) {
      return true;
    }
    for (const child of Array.isArray(item) ? item : Object.values(item)) {
      pending.push([child, level + 1]);
    }
  }

  return false;
}

/** The validation error for a value at `field` that {@link isNestedDeeperThan} rejects. */
export function nestingTooDeepError(field: string): ValidationError {
  return new ValidationError([
    { field, message: `nests arrays and objects more than ${maxJsonDepth} levels deep` },
  ]);
}
