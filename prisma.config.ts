// Prisma CLI settings. The CLI runs here with the JavaScript schema engine and the
// Rust-free client, so it never downloads native engines (only the npm registry is
// reachable on many build machines). The two engine variables must point at an existing
// file for the CLI to skip that download; the JS engine never executes them.
import { fileURLToPath } from 'node:url';
import { PrismaPg } from '@prisma/adapter-pg';
import { defineConfig } from 'prisma/config';

const thisFile = fileURLToPath(import.meta.url);
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= thisFile;
process.env.PRISMA_QUERY_ENGINE_LIBRARY ??= thisFile;

export default defineConfig({
  schema: 'prisma/schema.prisma',
  experimental: { adapter: true },
  engine: 'js',
  async adapter() {
    return new PrismaPg({ connectionString: process.env.DATABASE_URL ?? '' });
  },
});
