// The typed documents of every operation in schema/operations, from GraphQL Code Generator.
export * from '../../graphql/graphql.js';
export { graphql } from '../../graphql/gql.js';
export { GraphQLClient, type GraphQLClientOptions } from './graphql-client.js';
