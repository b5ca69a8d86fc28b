import { Hono } from 'hono';
import { principalOf } from '../auth/request-principal.js';
import { assertScope, tenantOf, type Principal } from '../auth/principal.js';
import type { Scope } from '../auth/scopes.js';
import type { Config } from '../config.js';
import type { ServiceContext } from '../context.js';
import { translateDatabaseError } from '../db/errors.js';
import { AppError, ErrorCode, isAppError } from '../errors.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { ModelRuntime } from '../llm/models.js';
import type { Logger } from '../logger.js';
import type { ToolRuntime } from '../tools/service.js';
import type { VoiceRuntime } from '../voice/runtime.js';
import { findUnstorableText, unstorableTextError } from '../validation.js';
import { readJsonObject } from './body.js';
import { assertKnownFields } from './fields.js';
import type { RouteDocs } from './route-docs.js';
import { errorResponse, internalErrorResponse } from './responses.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RestDependencies {
  prisma: PrismaClient;
  config: Config;
  log: Logger;
  tools: ToolRuntime;
  models: ModelRuntime;
  voice: VoiceRuntime;
  /** Returns the request id that the request-id plugin assigned. */
  requestIdOf(request: Request): string | undefined;
}

export interface PublicRouteContext {
  request: Request;
  params: Record<string, string>;
  query: URLSearchParams;
  deps: RestDependencies;
  /** The body as a JSON object; an empty body is `{}` when `optional` is set. */
  body(options?: { optional?: boolean }): Promise<Record<string, unknown>>;
}

export interface RouteContext extends PublicRouteContext {
  principal: Principal;
  services: ServiceContext;
}

export interface RouteDefinition {
  method: HttpMethod;
  path: string;
  /** `undefined` for endpoints that need no credential. */
  scope: Scope | undefined;
  /** The route's entry in the OpenAPI document. */
  docs: RouteDocs;
  handle(context: RouteContext | PublicRouteContext): Promise<Response>;
}

/** An endpoint that needs a credential holding `scope`. */
export function route(definition: {
  method: HttpMethod;
  path: string;
  scope: Scope;
  docs: RouteDocs;
  handler(context: RouteContext): Promise<Response>;
}): RouteDefinition {
  return {
    method: definition.method,
    path: definition.path,
    scope: definition.scope,
    docs: definition.docs,
    handle: (context) => definition.handler(context as RouteContext),
  };
}

/** An endpoint open to anyone, such as the token endpoints that issue credentials. */
export function publicRoute(definition: {
  method: HttpMethod;
  path: string;
  docs: RouteDocs;
  handler(context: PublicRouteContext): Promise<Response>;
}): RouteDefinition {
  return {
    method: definition.method,
    path: definition.path,
    scope: undefined,
    docs: definition.docs,
    handle: definition.handler,
  };
}

export type RouteList = RouteDefinition[];

function allowedMethods(routes: RouteList, path: string): string {
  const methods = new Set<string>(routes.filter((entry) => entry.path === path).map((entry) => entry.method));
  if (methods.has('GET')) {
    methods.add('HEAD');
  }
  methods.add('OPTIONS');

  return [...methods].join(', ');
}

/**
 * Builds the REST router. Every route authenticates before its handler runs; a known
 * path with an unsupported method is 405 with an `Allow` header, an unknown path 404.
 * Hono answers HEAD with the GET handler and drops the body.
 */
export function createRestRouter(routes: RouteList, deps: RestDependencies): Hono {
  const app = new Hono();

  for (const definition of routes) {
    app.on(definition.method, definition.path, async (c) => {
      const request = c.req.raw;
      const params = c.req.param() as Record<string, string>;
      const query = new URL(request.url).searchParams;
      const unstorable = findUnstorableText({ ...params, ...Object.fromEntries(query) }, 'url');
      if (unstorable !== undefined) {
        throw unstorableTextError(unstorable.replace(/^url\./, ''));
      }
      const base: PublicRouteContext = {
        request,
        params,
        query,
        deps,
        body: async (options) => {
          const parsed = await readJsonObject(request, deps.config.maxBodyBytes, options);
          assertKnownFields(parsed, definition.docs.body);

          return parsed;
        },
      };
      if (definition.scope === undefined) {
        return definition.handle(base);
      }
      const principal = assertScope(
        await principalOf(request, deps.prisma, deps.log),
        definition.scope,
      );
      const services: ServiceContext = { prisma: deps.prisma, tenant: tenantOf(principal), log: deps.log, plan: principal.plan };

      return definition.handle({ ...base, principal, services });
    });
  }

  for (const path of new Set(routes.map((entry) => entry.path))) {
    const allow = allowedMethods(routes, path);
    app.all(path, (c) => {
      if (c.req.method === 'OPTIONS') {
        return new Response(null, { status: 204, headers: { allow } });
      }
      const error = new AppError(
        ErrorCode.MethodNotAllowed,
        `Method ${c.req.method} is not allowed on ${c.req.path}; allowed: ${allow}`,
        { headers: { allow } },
      );

      return errorResponse(error);
    });
  }

  app.notFound((c) =>
    errorResponse(new AppError(ErrorCode.ResourceNotFound, `No endpoint matches ${c.req.method} ${c.req.path}`)),
  );

  app.onError((error, c) => {
    if (isAppError(error)) {
      return errorResponse(error);
    }
    const translated = translateDatabaseError(error);
    // A database outage becomes a 503 but is still a server fault, so it is logged.
    if (translated === undefined || translated.status >= 500) {
      deps.log.error({ err: error, method: c.req.method, path: c.req.path }, 'REST request failed');
    }

    return translated === undefined
      ? internalErrorResponse(deps.requestIdOf(c.req.raw))
      : errorResponse(translated);
  });

  return app;
}
