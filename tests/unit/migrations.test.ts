import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { applyMigrations, migrationsDir, migrationStatus, readMigrations } from '../../src/db/migrate.js';
import { createTestDatabase } from '../support/server.js';

const run = promisify(execFile);
const log = createLogger('silent');
const drops: (() => Promise<void>)[] = [];

async function freshDatabase(): Promise<string> {
  const database = await createTestDatabase();
  drops.push(database.drop);

  return database.url;
}

afterEach(async () => {
  for (const drop of drops.splice(0)) {
    await drop();
  }
});

describe('migration runner', () => {
  it('applies each migration once under concurrent starts', async () => {
    const url = await freshDatabase();
    const migrations = await readMigrations();
    const results = await Promise.all(
      [1, 2, 3].map(() => applyMigrations({ connectionString: url }, log, migrations)),
    );
    const appliedCounts = results.map((result) => result.applied.length).sort();
    expect(appliedCounts).toEqual([0, 0, migrations.length]);

    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const rows = await client.query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
        'SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" ORDER BY migration_name',
      );
      expect(rows.rows.map((row) => row.migration_name)).toEqual(migrations.map((migration) => migration.name));
      for (const row of rows.rows) {
        const sql = await readFile(join(migrationsDir, row.migration_name, 'migration.sql'));
        expect(row.checksum).toBe(createHash('sha256').update(sql).digest('hex'));
        expect(row.finished_at).not.toBeNull();
      }
      expect(await migrationStatus(client, migrations)).toEqual({
        applied: migrations.map((migration) => migration.name),
        pending: [],
      });
    } finally {
      await client.end();
    }
  });

  it('refuses a migration edited after it was applied', async () => {
    const url = await freshDatabase();
    const migrations = await readMigrations();
    await applyMigrations({ connectionString: url }, log, migrations);
    const edited = migrations.map((migration, index) =>
      index === 0 ? { ...migration, sql: `${migration.sql}\n-- edited`, checksum: 'f'.repeat(64) } : migration,
    );
    await expect(applyMigrations({ connectionString: url }, log, edited)).rejects.toThrow(migrations[0]!.name);
  });

  it('rolls back a failing migration without recording it', async () => {
    const url = await freshDatabase();
    const migrations = await readMigrations();
    const broken = [
      ...migrations,
      { name: '29991231000000_broken', sql: 'CREATE TABLE ok_part (id int); SELECT no_such_function();', checksum: '0'.repeat(64) },
    ];
    await expect(applyMigrations({ connectionString: url }, log, broken)).rejects.toThrow('29991231000000_broken');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const table = await client.query(`SELECT to_regclass('ok_part') AS name`);
      expect(table.rows[0].name).toBeNull();
      expect((await migrationStatus(client, broken)).pending).toEqual(['29991231000000_broken']);
    } finally {
      await client.end();
    }
  });

  it('matches the Prisma schema', async () => {
    // The migrations, applied in order, must build the same schema that Prisma derives
    // from schema.prisma; a model changed without a new migration fails here.
    const migrated = await freshDatabase();
    await applyMigrations({ connectionString: migrated }, log);

    const expected = await freshDatabase();
    const { stdout: sql } = await run(
      'npx',
      ['prisma', 'migrate', 'diff', '--from-empty', '--to-schema-datamodel', 'prisma/schema.prisma', '--script'],
      { env: { ...process.env, DATABASE_URL: expected } },
    );
    const client = new pg.Client({ connectionString: expected });
    await client.connect();
    await client.query(sql);
    await client.end();

    const dump = async (url: string) => {
      const { stdout } = await run('pg_dump', ['--schema-only', '--no-owner', '--exclude-table=_prisma_migrations', url]);

      // pg_dump 15.14 and later add \restrict lines with a random key to every dump.
      return stdout.replace(/^(--|\\(un)?restrict ).*$/gm, '').replace(/\n{2,}/g, '\n');
    };
    expect(await dump(migrated)).toBe(await dump(expected));
  }, 60_000);
});
