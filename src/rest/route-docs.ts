import { z } from 'zod';
import { ErrorCode } from '../errors.js';
import { maxDatabaseId } from '../ids.js';
import { defaultPerPage, maxPerPage } from '../pagination.js';

/**
 * Groups of operations in the OpenAPI document. The SDK's namespaces follow the same names.
 */
export const apiTags = {
  agents: 'Agents: create, change, deploy and run them',
  fleets: 'Fleets of agents and the runs that deploy tasks to them',
  chat: 'Conversations with the model, as JSON replies or Server-Sent Events',
  tools: 'The tool catalogue: search, details, execution and HTTP tools of the account',
  marketplace: 'The marketplace: publish, browse, install and rate agents, tools, fleet templates and extensions',
  usage: 'Usage in the current billing period and per day',
  webhooks: 'Webhook endpoints, their deliveries and delivery attempts',
  voice: 'Voice rooms, outbound calls, speech synthesis and transcription',
  auth: 'Credentials: OAuth 2.0 tokens and legacy session tokens',
  meta: 'The API index and this document',
} as const;

export type ApiTag = keyof typeof apiTags;

export type SuccessStatus = 200 | 201 | 202;

/** What a route returns on success. */
export interface ResponseDocs {
  status: SuccessStatus;
  description: string;
  /** The JSON body. */
  schema: z.ZodType;
  /**
   * One chunk of a Server-Sent Events response: a route with `stream` may also answer with
   * `text/event-stream`, each `data:` line holding one chunk as JSON.
   */
  stream?: z.ZodType;
  /** A second success status with the same body, such as 200 for an install that already existed. */
  alternative?: { status: SuccessStatus; description: string };
  /** Documents the body as `schema` without the `application/json` media type. */
  mediaType?: 'application/json' | 'audio/wav' | 'text/xml';
}

/**
 * The OpenAPI description of a route. Every route must carry one, so that the document
 * at `/api/v1/openapi.json` and the SDK types generated from it cover every endpoint.
 */
export interface RouteDocs {
  /** Unique across the API, in camelCase, such as `createAgent`. */
  operationId: string;
  summary: string;
  description?: string;
  tag: ApiTag;
  /** Path parameters; a parameter left out is documented as a string. */
  params?: z.ZodObject;
  query?: z.ZodObject;
  /** The request body in REST field names. */
  body?: z.ZodType;
  /** An empty body is accepted in place of `{}`. */
  bodyOptional?: boolean;
  /** Media types of the body; `application/json` when left out. */
  bodyMediaTypes?: readonly ('application/json' | 'application/x-www-form-urlencoded')[];
  response: ResponseDocs;
  /**
   * Error codes this route returns beyond those implied by its kind: a route with a
   * scope adds `auth_required` and `insufficient_scope`, one with a body or query adds
   * `validation_error`, a body also `payload_too_large` and `unsupported_media_type`, and
   * every route `rate_limit_exceeded`, `internal_error` and `service_unavailable`.
   */
  errors: readonly ErrorCode[];
  /** The body of this route's errors, for the few routes that do not use the error envelope. */
  errorBody?: z.ZodType;
}

const namedSchemas = new Map<string, z.ZodType>();

/**
 * Registers `schema` as `#/components/schemas/<name>` of the document, so that the SDK
 * gets a named type for it.
 */
export function named<Schema extends z.ZodType>(name: string, schema: Schema): Schema {
  const existing = namedSchemas.get(name);
  if (existing !== undefined && existing !== schema) {
    throw new Error(`Two schemas are registered as the OpenAPI component ${name}`);
  }
  namedSchemas.set(name, schema);

  return schema;
}

/** Every schema registered with {@link named}, by component name. */
export function namedComponents(): ReadonlyMap<string, z.ZodType> {
  return namedSchemas;
}

/** The error envelope of every REST error. */
export const errorEnvelope = named(
  'Error',
  z.object({
    error: z.object({
      code: z.enum(Object.values(ErrorCode)).describe('Machine-readable error code'),
      message: z.string().describe('What failed, for people'),
      status: z.int().describe('The HTTP status, repeated'),
      details: z
        .array(z.object({ field: z.string(), message: z.string() }))
        .optional()
        .describe('One entry per invalid field, in the REST field names (validation_error only)'),
    }),
  }),
);

/** A REST timestamp: ISO 8601 in UTC with whole seconds and `Z`. */
export const timestamp = z.string().meta({ format: 'date-time', examples: ['2026-03-04T12:00:00Z'] });

export const resourceId = z.int().min(1).max(maxDatabaseId);

/** The `{id}` path parameter of numeric resources. */
export const idParams = z.object({ id: resourceId.describe('The resource id') });

export const pageMeta = named(
  'PageMeta',
  z.object({
    total: z.int().min(0).describe('Items across all pages'),
    page: z.int().min(1).describe('This page number'),
    per_page: z.int().min(1).max(maxPerPage).describe('Page size in effect'),
    total_pages: z.int().min(0).describe('Number of pages'),
  }),
);

/** `page` and `per_page`, with the bounds that `parsePageRequest` enforces. */
export const pageQuery = z.object({
  page: z.int().min(1).max(10_000_000).default(1).describe('Page number, from 1'),
  per_page: z.int().min(1).max(maxPerPage).default(defaultPerPage).describe(`Page size, at most ${maxPerPage}`),
});

/** `{"data": ...}` */
export function dataEnvelope(schema: z.ZodType) {
  return z.object({ data: schema });
}

/** `{"data": [...], "meta": {...}}`: one page of a paginated list. */
export function pageEnvelope(schema: z.ZodType) {
  return z.object({ data: z.array(schema), meta: pageMeta });
}

/** `{"data": [...]}`: a list that is not paginated. */
export function listEnvelope(schema: z.ZodType) {
  return z.object({ data: z.array(schema) });
}

/** The `data` of a delete: the id that went and `deleted: true`. */
export function deletedEnvelope(id: z.ZodType, idField = 'id') {
  return dataEnvelope(z.object({ [idField]: id, deleted: z.literal(true) }));
}

/**
 * The REST body of a service input: the fields of `schema` under their REST names. A
 * field of the map that the schema lacks is a programming error and fails at start-up.
 */
export function restBody(
  schema: z.ZodObject,
  restToService: Readonly<Record<string, string>>,
  descriptions: Readonly<Record<string, string>> = {},
) {
  const shape: Record<string, z.ZodType> = {};
  for (const [restName, serviceName] of Object.entries(restToService)) {
    const field = schema.shape[serviceName] as z.ZodType | undefined;
    if (field === undefined) {
      throw new Error(`The service schema has no field ${serviceName} for the REST field ${restName}`);
    }
    const description = descriptions[restName];
    shape[restName] = description === undefined ? field : field.describe(description);
  }

  return z.strictObject(shape);
}

/** The body of an action that takes no fields: nothing, or `{}`. */
export const emptyBody = z.strictObject({});
