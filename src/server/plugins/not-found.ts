import type { Plugin } from 'graphql-yoga';
import { AppError, ErrorCode } from '../../errors.js';
import { errorResponse } from '../../rest/responses.js';

/**
 * Responds to a path that no endpoint serves with the 404 envelope, where Yoga would send
 * an empty 404. It runs after the REST, health and reference plugins, so only GraphQL's
 * own path goes on to Yoga.
 */
export function useNotFoundEnvelope(graphqlEndpoint: string): Plugin {
  return {
    onRequest({ request, url, endResponse }) {
      if (url.pathname !== graphqlEndpoint) {
        endResponse(
          errorResponse(new AppError(ErrorCode.ResourceNotFound, `No endpoint matches ${request.method} ${url.pathname}`)),
        );
      }
    },
  };
}
