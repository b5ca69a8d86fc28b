import { readFile } from 'node:fs/promises';
import SwaggerParser from '@apidevtools/swagger-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiPath as toOpenApiPath } from '../../src/rest/openapi.js';
import { createRestRouter, type RestDependencies } from '../../src/rest/router.js';
import { UsageRecorder } from '../../src/server/plugins/rate-limit.js';
import { restRoutes } from '../../src/server/routes.js';
import { createResponseChecker } from '../support/openapi-conformance.js';
import { call, createTestAccount, startServer, type TestServer } from '../support/server.js';

type JsonObject = Record<string, any>;

const httpMethods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

interface Operation {
  method: string;
  path: string;
  operation: JsonObject;
}

function operationsOf(document: JsonObject): Operation[] {
  return Object.entries(document.paths as Record<string, JsonObject>).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => httpMethods.includes(method))
      .map(([method, operation]) => ({ method: method.toUpperCase(), path, operation: operation as JsonObject })),
  );
}

/** A value for a path parameter that names no resource of any account. */
function absentParameterValue(parameter: JsonObject): string {
  return parameter.schema?.type === 'integer' ? '2000000000' : 'absent_value';
}

describe('OpenAPI document', () => {
  let server: TestServer;
  let key: string;
  let document: JsonObject;

  beforeAll(async () => {
    server = await startServer();
    key = (await createTestAccount(server)).key;
    document = (await call(server, 'GET', '/api/v1/openapi.json')).body as JsonObject;
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('is served as committed', async () => {
    const committed = JSON.parse(await readFile('schema/openapi.json', 'utf8')) as JsonObject;

    expect(document).toEqual(committed);
  });

  it('validates with swagger-parser', async () => {
    // swagger-parser dereferences the object it is given, so it gets a copy.
    const api = (await SwaggerParser.validate(structuredClone(document) as never)) as JsonObject;

    expect(api.openapi).toBe('3.1.0');
    expect(Object.keys(api.paths as JsonObject).length).toBe(Object.keys(document.paths as JsonObject).length);
  });

  // swagger-parser 13.1 checks OpenAPI 3.1 documents against the specification's JSON
  // Schema only, so the rules that schema cannot express are checked here.
  it('declares every path parameter once', () => {
    for (const { method, path, operation } of operationsOf(document)) {
      const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
      const declared = ((operation.parameters ?? []) as JsonObject[]).filter((parameter) => parameter.in === 'path');

      expect(declared.map((parameter) => parameter.name), `${method} ${path}`).toEqual(inPath);
      for (const parameter of declared) {
        expect(parameter.required, `${method} ${path} {${parameter.name}}`).toBe(true);
      }
    }
  });

  it('has unique operation ids', () => {
    const ids = operationsOf(document).map(({ operation }) => operation.operationId as string);

    expect(ids.every((id) => typeof id === 'string' && id !== '')).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('has component schemas that compile as JSON Schema 2020-12', () => {
    const ajv = new Ajv2020({ strict: false });
    addFormats.default(ajv);
    ajv.addSchema(document, 'openapi');
    const names = Object.keys(document.components.schemas as JsonObject);

    expect(names.length).toBeGreaterThan(10);
    for (const name of names) {
      expect(ajv.getSchema(`openapi#/components/schemas/${name}`), name).toBeTypeOf('function');
    }
  });

  it('documents every route of the REST router', () => {
    // The server hands `/`, `/api` and every path under `/api/` to this router, so its
    // route table is every REST endpoint the server has.
    const router = createRestRouter(restRoutes(new UsageRecorder()), {} as RestDependencies);
    // `ALL` entries are the handlers that return 405 for other methods on a known path.
    const served = router.routes.filter((entry) => entry.method !== 'ALL');
    const documented = new Set(operationsOf(document).map(({ method, path }) => `${method} ${path}`));

    expect(served.length).toBeGreaterThanOrEqual(documented.size);
    const missing = served.map((entry) => `${entry.method} ${toOpenApiPath(entry.path)}`).filter((entry) => !documented.has(entry));
    expect(missing).toEqual([]);
  });

  it('lists only operations that the server serves', async () => {
    const check = createResponseChecker(document);
    const operations = operationsOf(document);
    expect(operations.length).toBeGreaterThan(30);

    for (const { method, path, operation } of operations) {
      let url = path;
      for (const parameter of (operation.parameters ?? []) as JsonObject[]) {
        if (parameter.in === 'path') {
          url = url.replace(`{${parameter.name as string}}`, absentParameterValue(parameter));
        }
      }
      const response = await call(server, method, url, {
        token: key,
        ...(operation.requestBody === undefined ? {} : { json: {} }),
      });
      const label = `${method} ${url}`;

      expect(response.status, label).not.toBe(405);
      expect(String(response.body?.error?.message ?? ''), label).not.toMatch(/^No endpoint matches/);
      const contentType = response.headers.get('content-type');
      expect(check(method, new URL(url, server.url).pathname, response.status, contentType, response.text), label).toEqual([]);
    }
  });
});
