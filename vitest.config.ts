import { defineConfig } from 'vitest/config';

/**
 * HTTP tests run twice: against PostgreSQL (a fresh database per test file on the server
 * at TEST_DATABASE_URL) and against the embedded PGlite database. Unit tests run once.
 */
export default defineConfig({
  resolve: {
    // Node loads graphql's CommonJS build for dependencies such as Pothos; the project's
    // own imports must get the same copy, or graphql-js rejects types from "another realm".
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'postgres',
          include: ['tests/http/**/*.test.ts'],
          env: { TEST_DATABASE: 'postgres' },
        },
      },
      {
        extends: true,
        test: {
          name: 'pglite',
          include: ['tests/http/**/*.test.ts'],
          env: { TEST_DATABASE: 'pglite' },
        },
      },
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
        },
      },
    ],
  },
});
