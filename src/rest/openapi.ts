import { z } from 'zod';
import { scopes, type Scope } from '../auth/scopes.js';
import { ErrorCode, statusOfCode } from '../errors.js';
import { apiTags, namedComponents, type ApiTag, type RouteDocs } from './route-docs.js';

/** What the document builder reads from a route. */
export interface DocumentedRoute {
  method: string;
  path: string;
  scope: Scope | undefined;
  docs: RouteDocs;
}

export interface OpenApiInfo {
  title: string;
  version: string;
  description: string;
}

type JsonObject = Record<string, unknown>;

export interface OpenApiDocument extends JsonObject {
  openapi: string;
  paths: Record<string, Record<string, JsonObject>>;
}

const codeDescriptions: Record<ErrorCode, string> = {
  validation_error: 'A parameter or body field is missing or invalid; `details` lists each field',
  auth_required: 'The credential is missing, invalid, expired or revoked',
  insufficient_scope: 'The credential lacks the scope this endpoint needs',
  resource_not_found: 'No such resource in this account',
  method_not_allowed: 'The endpoint does not support this method',
  rate_limit_exceeded: 'A rate-limit window is full; retry after `Retry-After` seconds',
  internal_error: 'A server fault; report it with the `X-Request-ID`',
  service_unavailable: 'A dependency, such as the database or the model provider, is unavailable',
  conflict: 'The request conflicts with the current state, such as a name that is taken',
  payload_too_large: 'The body is larger than the server accepts',
  unsupported_media_type: 'The body is not `application/json`',
  plan_upgrade_required: "The tool's tier is above the account's plan",
  quota_exceeded: "The request would pass the plan's allowance",
  tool_error: 'The tool ran and failed',
  tool_timeout: 'The tool run passed its time limit',
  upstream_error: 'The model provider or another upstream service failed',
  upstream_timeout: 'The model provider or another upstream service timed out',
};

const scopeDescriptions: Record<Scope, string> = Object.fromEntries(
  scopes.map((scope) => [scope, scope === '*' ? 'Everything' : scope.replace(':', ': ')]),
) as Record<Scope, string>;

/** Error codes that a route returns because of its kind, as {@link RouteDocs.errors} lists them. */
function impliedErrors(route: DocumentedRoute): ErrorCode[] {
  const codes: ErrorCode[] = [];
  if (route.scope !== undefined) {
    codes.push(ErrorCode.AuthRequired, ErrorCode.InsufficientScope);
  }
  if (route.docs.body !== undefined || route.docs.query !== undefined) {
    codes.push(ErrorCode.ValidationError);
  }
  if (route.docs.body !== undefined) {
    codes.push(ErrorCode.PayloadTooLarge, ErrorCode.UnsupportedMediaType);
  }
  codes.push(ErrorCode.RateLimitExceeded, ErrorCode.InternalError, ErrorCode.ServiceUnavailable);

  return codes;
}

function pascalCase(operationId: string): string {
  return operationId.charAt(0).toUpperCase() + operationId.slice(1);
}

/** `/api/v1/agents/:id` becomes `/api/v1/agents/{id}`; Hono's `{regex}` suffixes are dropped. */
export function openApiPath(honoPath: string): string {
  return honoPath.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, '{$1}');
}

function pathParameterNames(honoPath: string): string[] {
  return [...honoPath.matchAll(/:([A-Za-z0-9_]+)/g)].map((match) => match[1]!);
}

function withoutDialect(schema: unknown): JsonObject {
  const { $schema: _dialect, $id: _id, ...rest } = schema as JsonObject;

  return rest;
}

const componentRef = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/**
 * Collects the schemas of one conversion direction under component names. A schema
 * instance shared by several routes becomes one component, named after the first route.
 */
class ComponentSet {
  private readonly registry = z.registry<{ id: string }>();
  private readonly names = new Map<z.ZodType, string>();

  constructor(private readonly io: 'input' | 'output') {}

  add(schema: z.ZodType, name: string): JsonObject {
    const known = this.names.get(schema);
    if (known !== undefined) {
      return componentRef(known);
    }
    this.names.set(schema, name);
    this.registry.add(schema, { id: name });

    return componentRef(name);
  }

  toJsonSchemas(): Record<string, JsonObject> {
    const converted = z.toJSONSchema(this.registry, {
      io: this.io,
      uri: (id) => `#/components/schemas/${id}`,
    }) as { schemas: Record<string, unknown> };

    return Object.fromEntries(Object.entries(converted.schemas).map(([name, schema]) => [name, withoutDialect(schema)]));
  }
}

function parameters(location: 'path' | 'query', schema: z.ZodObject | undefined, names: string[] = []): JsonObject[] {
  const converted = schema === undefined ? { properties: {}, required: [] } : (z.toJSONSchema(schema, { io: 'input' }) as JsonObject);
  const properties = (converted.properties ?? {}) as Record<string, JsonObject>;
  const required = new Set((converted.required ?? []) as string[]);
  const ordered = location === 'path' ? names : Object.keys(properties);
  if (location === 'path') {
    const extra = Object.keys(properties).filter((name) => !names.includes(name));
    if (extra.length > 0) {
      throw new Error(`Path parameters ${extra.join(', ')} are documented but not in the path`);
    }
  }

  return ordered.map((name) => {
    const { description, ...parameterSchema } = properties[name] ?? { type: 'string' };

    return {
      name,
      in: location,
      required: location === 'path' || required.has(name),
      ...(description === undefined ? {} : { description }),
      schema: parameterSchema,
    };
  });
}

const requestIdHeader = { $ref: '#/components/headers/X-Request-ID' };

function errorResponses(codes: readonly ErrorCode[], schema: JsonObject): Record<string, JsonObject> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) {
    const status = statusOfCode(code);
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<string, JsonObject> = {};
  for (const status of [...byStatus.keys()].sort((a, b) => a - b)) {
    const listed = byStatus.get(status)!;
    responses[String(status)] = {
      description: listed.map((code) => `\`${code}\`: ${codeDescriptions[code]}`).join('. '),
      headers: {
        'X-Request-ID': requestIdHeader,
        ...(status === 429 ? { 'Retry-After': { $ref: '#/components/headers/Retry-After' } } : {}),
      },
      content: { 'application/json': { schema } },
    };
  }

  return responses;
}

function securityOf(scope: Scope | undefined): JsonObject[] {
  if (scope === undefined) {
    return [];
  }

  return [{ bearerAuth: [] }, { oauth2: [scope] }, { apiKeyQuery: [] }];
}

function scopeNote(scope: Scope | undefined): string {
  if (scope === undefined) {
    return 'Needs no credential.';
  }

  return scope === '*' ? 'Needs a credential with the `*` scope.' : `Needs the \`${scope}\` scope.`;
}

function operationOf(route: DocumentedRoute, requests: ComponentSet, responses: ComponentSet): JsonObject {
  const { docs } = route;
  const name = pascalCase(docs.operationId);
  const operation: JsonObject = {
    operationId: docs.operationId,
    tags: [docs.tag],
    summary: docs.summary,
    description: [docs.description, scopeNote(route.scope)].filter((part) => part !== undefined).join('\n\n'),
    security: securityOf(route.scope),
  };
  const parameterList = [
    ...parameters('path', docs.params, pathParameterNames(route.path)),
    ...parameters('query', docs.query),
  ];
  if (parameterList.length > 0) {
    operation.parameters = parameterList;
  }
  if (docs.body !== undefined) {
    const schema = requests.add(docs.body, `${name}Request`);
    const mediaTypes = docs.bodyMediaTypes ?? ['application/json'];
    operation.requestBody = {
      required: docs.bodyOptional !== true,
      content: Object.fromEntries(mediaTypes.map((type) => [type, { schema }])),
    };
  }
  const content: JsonObject = {
    [docs.response.mediaType ?? 'application/json']: { schema: responses.add(docs.response.schema, `${name}Response`) },
  };
  if (docs.response.stream !== undefined) {
    content['text/event-stream'] = {
      schema: {
        type: 'string',
        description: 'Server-Sent Events: each `data:` line holds one chunk as JSON, and the last line is `data: [DONE]`.',
      },
      'x-sse-data': responses.add(docs.response.stream, `${name}Chunk`),
    };
  }
  const alternative = docs.response.alternative;
  operation.responses = {
    [String(docs.response.status)]: {
      description: docs.response.description,
      headers: { 'X-Request-ID': requestIdHeader },
      content,
    },
    ...(alternative === undefined
      ? {}
      : { [String(alternative.status)]: { description: alternative.description, headers: { 'X-Request-ID': requestIdHeader }, content } }),
    ...errorResponses(
      [...impliedErrors(route), ...docs.errors],
      docs.errorBody === undefined ? componentRef('Error') : responses.add(docs.errorBody, `${name}Error`),
    ),
  };

  return operation;
}

/**
 * Builds the OpenAPI 3.1 document of `routes` from their {@link RouteDocs}. The JSON
 * Schemas come from the routes' zod schemas, request bodies as input (defaults make a
 * field optional) and responses as output.
 */
export function buildOpenApiDocument(routes: readonly DocumentedRoute[], info: OpenApiInfo): OpenApiDocument {
  const requests = new ComponentSet('input');
  const responses = new ComponentSet('output');
  for (const [name, schema] of namedComponents()) {
    responses.add(schema, name);
  }
  const paths: Record<string, Record<string, JsonObject>> = {};
  const operationIds = new Set<string>();
  const usedTags = new Set<ApiTag>();
  for (const route of routes) {
    if (operationIds.has(route.docs.operationId)) {
      throw new Error(`Two routes have the operationId ${route.docs.operationId}`);
    }
    operationIds.add(route.docs.operationId);
    usedTags.add(route.docs.tag);
    const path = openApiPath(route.path);
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = operationOf(route, requests, responses);
  }
  const schemas = { ...responses.toJsonSchemas(), ...requests.toJsonSchemas() };

  return {
    openapi: '3.1.0',
    info: { title: info.title, version: info.version, description: info.description },
    servers: [{ url: '/', description: 'The server that serves this document' }],
    tags: (Object.keys(apiTags) as ApiTag[])
      .filter((tag) => usedTags.has(tag))
      .map((tag) => ({ name: tag, description: apiTags[tag] })),
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b))),
      headers: {
        'X-Request-ID': {
          description: "The request id: the client's own when it sent an acceptable one, otherwise a new UUID",
          schema: { type: 'string' },
        },
        'Retry-After': {
          description: 'Seconds until the request may be retried',
          schema: { type: 'integer', minimum: 0 },
        },
      },
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API key (`ak_live_…`, `ak_test_…`), an OAuth access token (`aat_…`) or a session token (`sess_…`)',
        },
        oauth2: {
          type: 'oauth2',
          description: 'OAuth 2.0 client credentials grant; the token is then sent as a bearer token',
          flows: { clientCredentials: { tokenUrl: '/api/v1/oauth/token', scopes: scopeDescriptions } },
        },
        apiKeyQuery: {
          type: 'apiKey',
          in: 'query',
          name: 'api_key',
          description: 'The API key in the query string, for testing only: proxies and servers may log URLs',
        },
      },
    },
  };
}
