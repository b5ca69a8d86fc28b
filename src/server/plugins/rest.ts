import type { Hono } from 'hono';
import type { Plugin } from 'graphql-yoga';

/** Paths that the REST router serves; everything else goes on to GraphQL. */
function isRestPath(pathname: string): boolean {
  return pathname === '/' || pathname === '/api' || pathname.startsWith('/api/');
}

/**
 * Serves REST v1 from inside Yoga, so that REST and GraphQL share one request pipeline:
 * the same CORS, request-id and response hooks run for both.
 */
export function useRestRouter(router: Hono): Plugin {
  return {
    async onRequest({ request, url, endResponse }) {
      if (isRestPath(url.pathname)) {
        endResponse(await router.fetch(request));
      }
    },
  };
}
