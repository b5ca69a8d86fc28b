import type { Plugin } from 'graphql-yoga';
import { findUnstorableText, isStorableText, unstorableTextError } from '../../validation.js';

const escapedNul = /\\u(0000|\{0+\})/i;

/**
 * Rejects GraphQL requests whose query or variables contain text that PostgreSQL cannot
 * store (a NUL character or an unpaired surrogate), with the same 400 as REST, before any
 * resolver passes it to the database.
 */
export function useStorableText(): Plugin {
  return {
    onParams({ params }) {
      // graphql-js rejects escaped lone surrogates itself, but decodes \u0000 into a NUL.
      if (typeof params.query === 'string' && (!isStorableText(params.query) || escapedNul.test(params.query))) {
        throw unstorableTextError('query').asRequestError();
      }
      const unstorable = findUnstorableText(params.variables ?? {}, 'variables');
      if (unstorable !== undefined) {
        throw unstorableTextError(unstorable).asRequestError();
      }
    },
  };
}
