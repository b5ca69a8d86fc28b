import type { Plugin } from 'graphql-yoga';
import type { AppError } from '../../errors.js';
import {
  findUnstorableText,
  isNestedDeeperThan,
  isStorableText,
  nestingTooDeepError,
  unstorableTextError,
} from '../../validation.js';

const escapedNul = /\\u(0000|\{0+\})/i;

/**
 * Returns the error for GraphQL parameters whose query or variables contain text that
 * PostgreSQL cannot store (a NUL character or an unpaired surrogate), or whose variables
 * nest too deep, or `undefined` when they have none of these problems.
 */
export function storableParamsError(params: { query?: unknown; variables?: unknown }): AppError | undefined {
  // graphql-js rejects escaped lone surrogates itself, but decodes \u0000 into a NUL.
  if (typeof params.query === 'string' && (!isStorableText(params.query) || escapedNul.test(params.query))) {
    return unstorableTextError('query');
  }
  if (isNestedDeeperThan(params.variables ?? {})) {
    return nestingTooDeepError('variables');
  }
  const unstorable = findUnstorableText(params.variables ?? {}, 'variables');

  return unstorable === undefined ? undefined : unstorableTextError(unstorable);
}

/**
 * Rejects GraphQL requests over HTTP with {@link storableParamsError}, with the same 400
 * as REST, before any resolver passes their values on.
 */
export function useStorableText(): Plugin {
  return {
    onParams({ params }) {
      const error = storableParamsError(params);
      if (error !== undefined) {
        throw error.asRequestError();
      }
    },
  };
}
