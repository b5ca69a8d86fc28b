import { lexicographicSortSchema, type GraphQLSchema } from 'graphql';
import { builder } from './builder.js';
import '../accounts/graphql.js';
import '../agents/graphql.js';
import '../fleets/graphql.js';
import '../chat/graphql.js';
import '../tools/graphql.js';
import '../events/graphql.js';
import '../webhooks/graphql.js';
import '../usage/graphql.js';
import '../marketplace/graphql.js';
import '../voice/graphql.js';

let schema: GraphQLSchema | undefined;

/** The GraphQL schema, built once from every resource's Pothos types. */
export function graphqlSchema(): GraphQLSchema {
  schema ??= builder.toSchema({ sortSchema: false });

  return schema;
}

/** The schema with types and fields sorted, as `schema/schema.graphql` holds it. */
export function sortedSchema(): GraphQLSchema {
  return lexicographicSortSchema(graphqlSchema());
}
