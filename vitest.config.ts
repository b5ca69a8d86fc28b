import { defineConfig } from 'vitest/config';

/**
 * HTTP tests run twice: against PostgreSQL (a fresh database per test file on the server
 * at TEST_DATABASE_URL) and against the embedded PGlite database. Unit tests run once.
 */
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        test: {
          name: 'postgres',
          include: ['tests/http/**/*.test.ts'],
          env: { TEST_DATABASE: 'postgres' },
        },
      },
      {
        test: {
          name: 'pglite',
          include: ['tests/http/**/*.test.ts'],
          env: { TEST_DATABASE: 'pglite' },
        },
      },
      {
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
        },
      },
    ],
  },
});
