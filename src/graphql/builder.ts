import SchemaBuilder from '@pothos/core';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin, { AuthScopeFailureType, type AuthFailure } from '@pothos/plugin-scope-auth';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import { hasScope, type Scope } from '../auth/scopes.js';
import { authRequired, insufficientScope } from '../errors.js';
import type PrismaTypes from '../generated/pothos-types.js';
import { getDatamodel } from '../generated/pothos-types.js';
import type { GraphQLContext } from './context.js';

/**
 * Finds the scope that a failed `scope` check required. Scope-auth wraps even a map with
 * one entry in an any-of failure, so the check may sit in nested any/all failures.
 */
function requiredScopeOf(failure: AuthFailure): string | undefined {
  if (failure.kind === AuthScopeFailureType.AuthScope) {
    if (failure.scope === 'scope' && typeof failure.parameter === 'string') {
      return failure.parameter;
    }

    return undefined;
  }
  if (
    failure.kind === AuthScopeFailureType.AnyAuthScopes ||
    failure.kind === AuthScopeFailureType.AllAuthScopes
  ) {
    for (const nested of failure.failures) {
      const scope = requiredScopeOf(nested);
      if (scope !== undefined) {
        return scope;
      }
    }
  }

  return undefined;
}

/**
 * The Pothos schema builder. Errors are thrown as `AppError`s, which are GraphQL errors
 * carrying the REST error code in `extensions.code`, so the errors plugin's union
 * results are not used: clients of both APIs handle one set of codes.
 */
export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  PrismaTypes: PrismaTypes;
  AuthScopes: { scope: Scope; authenticated: boolean };
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
  };
  DefaultFieldNullability: false;
}>({
  plugins: [ScopeAuthPlugin, PrismaPlugin, RelayPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: (context) => ({
      scope: (required: Scope) => context.principal !== undefined && hasScope(context.principal.scopes, required),
      authenticated: context.principal !== undefined,
    }),
    unauthorizedError: (_parent, context, _info, result) => {
      if (context.principal === undefined) {
        return authRequired();
      }
      return insufficientScope(requiredScopeOf(result.failure) ?? '*');
    },
  },
  prisma: {
    client: (context) => context.prisma,
    dmmf: getDatamodel(),
    filterConnectionTotalCount: true,
    onUnusedQuery: null,
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
  },
});

builder.addScalarType('DateTime', DateTimeResolver);
builder.addScalarType('JSON', JSONResolver);

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
