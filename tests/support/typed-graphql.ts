import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { graphql, type TestServer } from './server.js';

export interface TypedResult<Data> {
  status: number;
  data: Data | null | undefined;
  errors: { message: string; path?: string[]; extensions?: Record<string, unknown> }[] | undefined;
}

/** Runs one of the generated typed documents from `clients/graphql` over HTTP. */
export async function execute<Data, Variables extends Record<string, unknown>>(
  server: TestServer,
  document: TypedDocumentNode<Data, Variables>,
  variables: Variables,
  token?: string,
): Promise<TypedResult<Data>> {
  const result = await graphql(server, print(document), { token, variables });

  return { status: result.status, data: result.body?.data as Data | null | undefined, errors: result.body?.errors };
}
