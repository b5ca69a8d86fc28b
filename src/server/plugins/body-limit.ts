import type { Plugin } from 'graphql-yoga';
import { AppError, ErrorCode } from '../../errors.js';
import { readText } from '../../rest/body.js';
import { isNestedDeeperThan, nestingTooDeepError } from '../../validation.js';

function mediaTypeOf(request: Request): string | undefined {
  return request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
}

function isJsonMediaType(type: string | undefined): boolean {
  return type === 'application/json' || (type?.endsWith('+json') ?? false);
}

/** Reads the body within the limit. A body over it fails the whole request with 413. */
async function readRequestText(request: Request, maxBytes: number): Promise<string> {
  return readText(request, maxBytes).catch((error: unknown) => {
    throw error instanceof AppError ? error.asRequestError() : error;
  });
}

/**
 * Limits GraphQL request bodies to `maxBytes`, declared or streamed, answering 413
 * `payload_too_large` before Yoga parses them. REST routes read their bodies with the
 * same limit. A POST body must be JSON or `application/graphql`; any other media type,
 * such as a form that `curl -d` sends by default, is 415 `unsupported_media_type`.
 */
export function useBodyLimit(maxBytes: number): Plugin {
  return {
    onRequestParse({ request, setRequestParser }) {
      if (request.method !== 'POST') {
        return;
      }
      const type = mediaTypeOf(request);
      if (type === 'application/graphql') {
        setRequestParser(async (incoming) => ({ query: await readRequestText(incoming, maxBytes) }));

        return;
      }
      if (!isJsonMediaType(type)) {
        setRequestParser(() => {
          throw new AppError(
            ErrorCode.UnsupportedMediaType,
            `Content-Type must be application/json, got ${type === undefined ? 'none' : JSON.stringify(type)}`,
            { http: true },
          );
        });

        return;
      }
      setRequestParser(async (incoming) => {
        const text = await readRequestText(incoming, maxBytes);
        if (text.trim() === '') {
          throw new AppError(ErrorCode.ValidationError, 'Request body is empty: send a GraphQL request as JSON', {
            http: true,
          });
        }
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch (error) {
          const reason = error instanceof SyntaxError ? error.message : 'unreadable';
          throw new AppError(ErrorCode.ValidationError, `Request body is not valid JSON: ${reason}`, { http: true });
        }
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
          throw new AppError(ErrorCode.ValidationError, 'Request body must be a JSON object with a "query"', {
            http: true,
          });
        }

        // Checked before any recursive code, such as the storable-text check, walks the body.
        if (isNestedDeeperThan(parsed)) {
          throw nestingTooDeepError('body').asRequestError();
        }

        return parsed as { query?: string };
      });
    },
  };
}
