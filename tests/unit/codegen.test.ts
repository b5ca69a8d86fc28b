import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { buildSchema, Kind, parse, type GraphQLObjectType } from 'graphql';
import { openApiDocumentPath, restTypesPath, schemaPath, staleArtifacts } from '../../scripts/codegen.js';

const operationsFolder = 'schema/operations';

/**
 * Root fields that need no document of their own: `node` and `nodes` are the Relay
 * refetch entry points, which a client calls with fragments of the types it holds.
 */
const rootFieldsWithoutDocument = new Set(['Query.node', 'Query.nodes']);

async function readOperations() {
  const files = (await readdir(operationsFolder)).filter((name) => name.endsWith('.graphql'));

  return Promise.all(files.map(async (name) => parse(await readFile(`${operationsFolder}/${name}`, 'utf8'))));
}

describe('generated schema and clients', () => {
  it('match what npm run codegen produces from the current code', async () => {
    expect(await staleArtifacts(), 'run npm run codegen and commit the result').toEqual([]);
  }, 60_000);

  it('reports a committed file that differs', async () => {
    const read = async (path: string) => {
      if (path === openApiDocumentPath) {
        return '{}\n';
      }
      if (path === restTypesPath) {
        return undefined;
      }

      return readFile(path, 'utf8');
    };

    const stale = await staleArtifacts(read);

    expect(stale).toContain(openApiDocumentPath);
    expect(stale).toContain(restTypesPath);
    expect(stale).not.toContain(schemaPath);
    // The check must leave the committed schema as it found it.
    expect(await staleArtifacts()).toEqual([]);
  }, 120_000);

  it('have an operation document for every root field', async () => {
    const schema = buildSchema(await readFile(schemaPath, 'utf8'));
    const used = new Set<string>();
    for (const document of await readOperations()) {
      for (const definition of document.definitions) {
        if (definition.kind !== Kind.OPERATION_DEFINITION) {
          continue;
        }
        const root = schema.getRootType(definition.operation)!.name;
        for (const selection of definition.selectionSet.selections) {
          if (selection.kind === Kind.FIELD) {
            used.add(`${root}.${selection.name.value}`);
          }
        }
      }
    }
    const roots = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()];
    const fields = roots
      .filter((type): type is GraphQLObjectType => type !== null && type !== undefined)
      .flatMap((type) => Object.keys(type.getFields()).map((name) => `${type.name}.${name}`));
    const missing = fields.filter((field) => !used.has(field) && !rootFieldsWithoutDocument.has(field));

    expect(fields.length).toBeGreaterThan(20);
    expect(missing, `add a document to ${operationsFolder} for each of these`).toEqual([]);
  });
});
