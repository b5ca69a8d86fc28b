import type { CORSOptions, Plugin } from 'graphql-yoga';

const exposedHeaders = ['X-Request-ID', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'Retry-After'];
const allowedHeaders = ['Authorization', 'Content-Type', 'X-Request-ID'];
const methods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * CORS for `CORS_ORIGINS`. A listed origin is echoed exactly, with credentials allowed;
 * `*` allows every origin without credentials; an unlisted origin gets no CORS headers,
 * so the browser blocks the response. No list at all turns CORS off.
 */
export function corsOptions(origins: readonly string[]): false | ((request: Request) => CORSOptions) {
  if (origins.length === 0) {
    return false;
  }
  const anyOrigin = origins.includes('*');
  const allowed = new Set(origins);

  return (request) => {
    const origin = request.headers.get('origin');
    if (origin === null) {
      return false;
    }
    if (allowed.has(origin)) {
      return { origin, credentials: true, methods, allowedHeaders, exposedHeaders, maxAge: 600 };
    }
    if (anyOrigin) {
      return { origin: '*', credentials: false, methods, allowedHeaders, exposedHeaders, maxAge: 600 };
    }

    return false;
  };
}

/** Adds `Vary: Origin` whenever CORS is on, so caches never serve one origin's answer to another. */
export function useVaryOrigin(enabled: boolean): Plugin {
  return {
    onResponse({ response }) {
      if (!enabled) {
        return;
      }
      const vary = response.headers.get('vary');
      if (vary === null || !/(^|,)\s*origin\s*(,|$)/i.test(vary)) {
        response.headers.set('vary', vary === null ? 'Origin' : `${vary}, Origin`);
      }
    },
  };
}
