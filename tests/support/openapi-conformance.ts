import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

type JsonObject = Record<string, any>;

export interface Violation {
  method: string;
  path: string;
  status: number;
  problem: string;
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * Checks responses against an OpenAPI 3.1 document: the operation of the request must
 * exist, the status must be documented, and a JSON body must match its schema. Paths with
 * fewer parameters win, so `/tools/categories` is matched before `/tools/{name}`.
 */
export function createResponseChecker(document: JsonObject) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema(document, 'openapi');
  const templates = Object.keys(document.paths as JsonObject)
    .map((template) => ({
      template,
      parameters: (template.match(/\{/g) ?? []).length,
      pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+')}$`),
    }))
    .sort((a, b) => a.parameters - b.parameters);
  const validators = new Map<string, ValidateFunction>();

  function validatorFor(pointer: string): ValidateFunction {
    let validate = validators.get(pointer);
    if (validate === undefined) {
      validate = ajv.getSchema(`openapi#${pointer}`);
      if (validate === undefined) {
        throw new Error(`No schema at ${pointer}`);
      }
      validators.set(pointer, validate);
    }

    return validate;
  }

  return function check(method: string, pathname: string, status: number, contentType: string | null, body: string): Violation[] {
    const match = templates.find((entry) => entry.pattern.test(pathname));
    const fail = (problem: string) => [{ method, path: pathname, status, problem }];
    if (match === undefined) {
      return fail('the path is not in the document');
    }
    const operation = (document.paths as JsonObject)[match.template][method.toLowerCase()] as JsonObject | undefined;
    if (operation === undefined) {
      return fail(`${method} is not documented for ${match.template}`);
    }
    const response = (operation.responses as JsonObject)[String(status)] as JsonObject | undefined;
    if (response === undefined) {
      return fail(`status ${status} is not documented for ${method} ${match.template}`);
    }
    if (contentType === null || !contentType.startsWith('application/json')) {
      const mediaType = contentType?.split(';')[0]?.trim() ?? '';

      return response.content?.[mediaType] !== undefined ? [] : fail(`content type ${String(contentType)} is not documented`);
    }
    const pointer = ['paths', match.template, method.toLowerCase(), 'responses', String(status), 'content', 'application/json', 'schema']
      .map(escapePointer)
      .join('/');
    const validate = validatorFor(`/${pointer}`);
    if (validate(JSON.parse(body))) {
      return [];
    }

    return fail(ajv.errorsText(validate.errors));
  };
}

/**
 * A `fetch` that passes requests through and records every response that does not
 * match the document in `violations`, so that a test can assert there are none.
 */
export function conformingFetch(document: JsonObject, violations: Violation[]): typeof fetch {
  const check = createResponseChecker(document);

  return async (input, init) => {
    const request = new Request(input, init);
    const response = await fetch(request);
    const pathname = new URL(request.url).pathname;
    if (pathname === '/graphql') {
      return response;
    }
    const contentType = response.headers.get('content-type');
    // Streams and binary bodies are checked by media type only, and pass through unread.
    if (contentType?.startsWith('text/event-stream') === true || contentType?.startsWith('audio/') === true) {
      violations.push(...check(request.method, pathname, response.status, contentType, ''));

      return response;
    }
    const body = await response.text();
    violations.push(...check(request.method, pathname, response.status, contentType, body));

    return new Response(response.status === 204 ? null : body, response);
  };
}
