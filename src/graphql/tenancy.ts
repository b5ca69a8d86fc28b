import { decodeGlobalID } from '@pothos/plugin-relay';
import type { Tenant } from '../auth/principal.js';
import { notFound } from '../errors.js';
import { parseDatabaseId } from '../ids.js';
import type { GraphQLContext } from './context.js';

/** An id that matches no row, for global ids whose database id cannot exist. */
const impossibleId = -1;

/**
 * The `where` filter that Relay node lookups use: the database id of a global id, limited
 * to the caller's tenant, so that `node(id:)` never returns another account's row.
 */
export function tenantNodeWhere(id: string, context: GraphQLContext): { id: number } & Tenant {
  return { id: parseDatabaseId(id) ?? impossibleId, ...context.services().tenant };
}

/** Decodes a global id of `typename` to its database id, or raises "not found". */
export function databaseIdOf(globalId: string, typename: string, resource = typename): number {
  let decoded: { typename: string; id: string } | undefined;
  try {
    decoded = decodeGlobalID(globalId);
  } catch {
    decoded = undefined;
  }
  const id = decoded?.typename === typename ? parseDatabaseId(decoded.id) : undefined;
  if (id === undefined) {
    throw notFound(resource, globalId);
  }

  return id;
}
