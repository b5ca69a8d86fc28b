import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from '@graphql-codegen/cli';
import { printSchema } from 'graphql';
import codegenConfig from '../codegen.js';
import { sortedSchema } from '../src/graphql/schema.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const schemaPath = 'schema/schema.graphql';

/** Every generated file, keyed by its path relative to the repository root. */
export async function generateArtifacts(): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const sdl = `${printSchema(sortedSchema())}\n`;
  files.set(schemaPath, sdl);
  // The code generator reads the schema from disk, so it must see the fresh one.
  await writeFile(resolve(root, schemaPath), sdl);

  const outputs = (await generate({ ...codegenConfig, cwd: root, silent: true }, false)) as {
    filename: string;
    content: string;
  }[];
  for (const output of outputs) {
    files.set(relative(root, resolve(root, output.filename)), output.content);
  }

  return files;
}

/** Paths whose committed content differs from what the generator produces now. */
export async function staleArtifacts(): Promise<string[]> {
  const stale: string[] = [];
  const committed = async (path: string) => readFile(resolve(root, path), 'utf8').catch(() => undefined);
  const original = await committed(schemaPath);
  try {
    for (const [path, content] of await generateArtifacts()) {
      const current = path === schemaPath ? original : await committed(path);
      if (current !== content) {
        stale.push(path);
      }
    }
  } finally {
    if (original !== undefined) {
      await writeFile(resolve(root, schemaPath), original);
    }
  }

  return stale;
}

async function main(): Promise<void> {
  if (process.argv.includes('--check')) {
    const stale = await staleArtifacts();
    if (stale.length > 0) {
      process.stderr.write(`Generated files are stale; run npm run codegen: ${stale.join(', ')}\n`);
      process.exit(1);
    }
    process.stdout.write('Generated files are current\n');

    return;
  }
  for (const [path, content] of await generateArtifacts()) {
    await mkdir(dirname(resolve(root, path)), { recursive: true });
    await writeFile(resolve(root, path), content);
    process.stdout.write(`wrote ${path}\n`);
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
