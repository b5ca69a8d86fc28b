import { ValidationError, type FieldIssue } from './errors.js';

export const defaultPerPage = 20;
export const maxPerPage = 100;

export interface PageRequest {
  page: number;
  perPage: number;
  offset: number;
}

export interface PageMeta {
  total: number;
  page: number;
  per_page: number;
  total_pages: number;
}

function readPositiveInteger(
  params: URLSearchParams,
  name: string,
  fallback: number,
  max: number,
  issues: FieldIssue[],
): number {
  const raw = params.get(name);
  if (raw === null) {
    return fallback;
  }
  if (!/^[0-9]+$/.test(raw) || Number(raw) < 1 || Number(raw) > max) {
    issues.push({
      field: name,
      message: `must be an integer from 1 to ${max}, got ${JSON.stringify(raw)}`,
    });

    return fallback;
  }

  return Number(raw);
}

/**
 * Reads `page` (default 1) and `per_page` (default 20, at most 100). Out-of-range values
 * are rejected rather than clamped, so that a client never silently receives a page it
 * did not ask for.
 */
export function parsePageRequest(params: URLSearchParams): PageRequest {
  const issues: FieldIssue[] = [];
  // The page bound keeps the offset within PostgreSQL's bigint and far from overflow.
  const page = readPositiveInteger(params, 'page', 1, 10_000_000, issues);
  const perPage = readPositiveInteger(params, 'per_page', defaultPerPage, maxPerPage, issues);
  if (issues.length > 0) {
    throw new ValidationError(issues, 'Invalid pagination parameters');
  }

  return { page, perPage, offset: (page - 1) * perPage };
}

/** The `meta` object of a paginated envelope. A page past the end is valid and empty. */
export function pageMeta(total: number, page: PageRequest): PageMeta {
  return {
    total,
    page: page.page,
    per_page: page.perPage,
    total_pages: Math.ceil(total / page.perPage),
  };
}
