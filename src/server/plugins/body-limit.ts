import type { Plugin } from 'graphql-yoga';
import { AppError, ErrorCode } from '../../errors.js';
import { readText } from '../../rest/body.js';

function jsonMediaType(request: Request): boolean {
  const type = request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase() ?? '';

  return type === 'application/json' || type === 'application/graphql-response+json' || type.endsWith('+json');
}

/**
 * Limits GraphQL request bodies to `maxBytes`, declared or streamed, answering 413
 * `payload_too_large` before Yoga parses them. REST routes read their bodies with the
 * same limit.
 */
export function useBodyLimit(maxBytes: number): Plugin {
  return {
    onRequestParse({ request, setRequestParser }) {
      if (request.method !== 'POST' || !jsonMediaType(request)) {
        return;
      }
      setRequestParser(async (incoming) => {
        const text = await readText(incoming, maxBytes).catch((error: unknown) => {
          throw error instanceof AppError ? error.asRequestError() : error;
        });
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

        return parsed as { query?: string };
      });
    },
  };
}
