import { z } from 'zod';
import { ToolError, type ToolContext } from './definition.js';

export const httpToolMethods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** The request an HTTP tool makes: `{name}` placeholders are filled from the arguments. */
export const httpToolSpec = z.strictObject({
  method: z.enum(httpToolMethods, { error: `must be one of ${httpToolMethods.join(', ')}` }).default('GET'),
  url: z
    .string({ error: 'is required and must be a URL template' })
    .max(2000, { error: 'must be at most 2000 characters' })
    .refine((value) => /^https?:\/\//i.test(value), { error: 'must start with http:// or https://' }),
  headers: z
    .record(z.string(), z.string().max(4000, { error: 'values must be at most 4000 characters' }), {
      error: 'must be an object of header names to string values',
    })
    .default({}),
});

export type HttpToolSpec = z.output<typeof httpToolSpec>;

const placeholder = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Names used as `{name}` in the URL or headers of `spec`. */
export function placeholdersOf(spec: HttpToolSpec): string[] {
  const names = new Set<string>();
  for (const text of [spec.url, ...Object.values(spec.headers)]) {
    for (const match of text.matchAll(placeholder)) {
      names.add(match[1]!);
    }
  }

  return [...names];
}

/** The most response body an HTTP tool returns; the rest is cut off and flagged. */
const maxResponseBytes = 128 * 1024;

/**
 * Performs an HTTP tool's request. Arguments named in the URL or headers fill their
 * placeholders; the others become query parameters (GET, DELETE) or a JSON body.
 */
export async function runHttpTool(
  spec: HttpToolSpec,
  args: Record<string, unknown>,
  context: ToolContext,
): Promise<Record<string, unknown>> {
  const used = new Set<string>();
  const fill = (text: string, encode: (value: string) => string) =>
    text.replace(placeholder, (_match, name: string) => {
      used.add(name);
      const value = args[name];

      return value === undefined || value === null ? '' : encode(String(value));
    });
  const url = new URL(fill(spec.url, encodeURIComponent));
  const headers = Object.fromEntries(
    Object.entries(spec.headers).map(([name, value]) => [name, fill(value, (text) => text.replace(/[\r\n]/g, ' '))]),
  );
  const rest = Object.fromEntries(Object.entries(args).filter(([name]) => !used.has(name)));
  let body: string | undefined;
  if (spec.method === 'GET' || spec.method === 'DELETE') {
    for (const [name, value] of Object.entries(rest)) {
      url.searchParams.set(name, typeof value === 'string' ? value : JSON.stringify(value));
    }
  } else {
    body = JSON.stringify(rest);
    headers['content-type'] ??= 'application/json';
  }

  const response = await context.network.fetch(url.href, {
    method: spec.method,
    headers,
    body,
    signal: context.signal,
    maxBytes: maxResponseBytes,
  });
  const contentType = response.headers['content-type'] ?? '';
  let parsed: unknown = response.body;
  if (/json/i.test(contentType) && !response.truncated) {
    // NOTE: JSON.parse rounds integers beyond 2^53 (Number.MAX_SAFE_INTEGER), so such
    // numbers in a response reach the caller rounded; Node.js 20 offers no source text.
    try {
      parsed = JSON.parse(response.body);
    } catch {
      throw new ToolError(`The response from ${url.origin} claims to be JSON but does not parse`);
    }
  }

  return {
    status: response.status,
    content_type: contentType || null,
    body: parsed,
    truncated: response.truncated,
  };
}
