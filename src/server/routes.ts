import { z } from 'zod';
import packageJson from '../../package.json' with { type: 'json' };
import { accountRoutes } from '../accounts/routes.js';
import { agentRoutes } from '../agents/routes.js';
import { chatRoutes } from '../chat/routes.js';
import { fleetRoutes } from '../fleets/routes.js';
import { marketplaceRoutes } from '../marketplace/routes.js';
import { buildOpenApiDocument, type OpenApiDocument, type OpenApiInfo } from '../rest/openapi.js';
import { json } from '../rest/responses.js';
import { publicRoute, type RouteList } from '../rest/router.js';
import { toolRoutes } from '../tools/routes.js';
import { usageRoutes } from '../usage/routes.js';
import { voiceRoutes } from '../voice/routes.js';
import { webhookRoutes } from '../webhooks/routes.js';
import { UsageRecorder } from './plugins/rate-limit.js';

export const openApiPath = '/api/v1/openapi.json';

/** Paths of the server's APIs and their descriptions, as `GET /` lists them. */
const apiIndex = {
  name: 'agentgraph',
  graphql: '/graphql',
  rest: '/api/v1',
  openapi: openApiPath,
  docs: '/docs',
  health: '/healthz',
};

export const openApiInfo: OpenApiInfo = {
  title: 'agentgraph REST API',
  version: packageJson.version,
  description:
    'REST v1 of agentgraph. Send a credential as `Authorization: Bearer <token>`: an API key, an OAuth access token or a session token. ' +
    'Single resources come as `{"data": ...}`, pages as `{"data": [...], "meta": {...}}`, errors as `{"error": {"code", "message", "status"}}`. ' +
    'Every response carries `X-Request-ID` and the rate-limit headers `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset`.',
};

/**
 * Every REST route the server serves, including the one that serves their OpenAPI
 * document. `usage` lets the usage routes wait for API calls still being counted.
 */
export function restRoutes(usage: UsageRecorder): RouteList {
  const routes: RouteList = [
    ...accountRoutes,
    ...agentRoutes,
    ...chatRoutes,
    ...fleetRoutes,
    ...toolRoutes,
    ...marketplaceRoutes,
    ...usageRoutes(usage),
    ...webhookRoutes,
    ...voiceRoutes,
  ];
  let document: OpenApiDocument | undefined;
  routes.push(
    publicRoute({
      method: 'GET',
      path: '/',
      docs: {
        operationId: 'getApiIndex',
        summary: "The server's API endpoints",
        description: 'Paths of GraphQL, REST v1, this document, the API reference page and the health check.',
        tag: 'meta',
        response: {
          status: 200,
          description: 'The paths, relative to the server',
          schema: z.object({
            data: z.object({
              name: z.literal('agentgraph'),
              graphql: z.string(),
              rest: z.string(),
              openapi: z.string(),
              docs: z.string(),
              health: z.string(),
            }),
          }),
        },
        errors: [],
      },
      async handler() {
        return json({ data: apiIndex });
      },
    }),
    publicRoute({
      method: 'GET',
      path: openApiPath,
      docs: {
        operationId: 'getOpenApiDocument',
        summary: 'This OpenAPI document',
        tag: 'meta',
        response: { status: 200, description: 'The OpenAPI 3.1 document of REST v1', schema: z.looseObject({ openapi: z.string() }) },
        errors: [],
      },
      async handler() {
        document ??= buildOpenApiDocument(routes, openApiInfo);

        return json(document);
      },
    }),
  );

  return routes;
}

/** The OpenAPI document of every REST route, as `GET /api/v1/openapi.json` serves it. */
export function openApiDocument(): OpenApiDocument {
  return buildOpenApiDocument(restRoutes(new UsageRecorder()), openApiInfo);
}
