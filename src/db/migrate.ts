import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { Logger } from '../logger.js';

export const migrationsDir = fileURLToPath(new URL('../../prisma/migrations', import.meta.url));

/** The advisory lock key that `prisma migrate` itself takes, so the two exclude each other. */
const migrationLockKey = 72707369;

export interface Migration {
  name: string;
  sql: string;
  /** SHA-256 of the file, hex-encoded, as Prisma records it. */
  checksum: string;
}

export interface MigrationStatus {
  applied: string[];
  pending: string[];
}

/** Raised when the database's migration history disagrees with the files on disk. */
export class MigrationError extends Error {
  override name = 'MigrationError';
}

/** Reads every `prisma/migrations/<name>/migration.sql`, in name order. */
export async function readMigrations(dir = migrationsDir): Promise<Migration[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const migrations: Migration[] = [];
  for (const name of names) {
    const sql = await readFile(join(dir, name, 'migration.sql'), 'utf8');
    migrations.push({ name, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }

  return migrations;
}

const createHistoryTable = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id"                  VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum"            VARCHAR(64) NOT NULL,
  "finished_at"         TIMESTAMPTZ,
  "migration_name"      VARCHAR(255) NOT NULL,
  "logs"                TEXT,
  "rolled_back_at"      TIMESTAMPTZ,
  "started_at"          TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

interface HistoryRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
}

async function readHistory(client: pg.ClientBase): Promise<Map<string, HistoryRow>> {
  const result = await client.query<HistoryRow>(
    `SELECT migration_name, checksum, finished_at FROM "_prisma_migrations"
     WHERE rolled_back_at IS NULL ORDER BY started_at`,
  );

  return new Map(result.rows.map((row) => [row.migration_name, row]));
}

function checkHistory(history: Map<string, HistoryRow>, migrations: Migration[]): void {
  for (const row of history.values()) {
    if (row.finished_at === null) {
      throw new MigrationError(
        `Migration ${row.migration_name} started but did not finish; fix the database by hand, ` +
          `then mark it rolled back (prisma migrate resolve --rolled-back ${row.migration_name})`,
      );
    }
  }
  for (const migration of migrations) {
    const row = history.get(migration.name);
    if (row !== undefined && row.checksum !== migration.checksum) {
      throw new MigrationError(
        `Migration ${migration.name} was changed after it was applied ` +
          `(recorded checksum ${row.checksum}, file checksum ${migration.checksum}); ` +
          'add a new migration instead of editing an applied one',
      );
    }
  }
}

/**
 * Applies pending migrations in name order and records each in `_prisma_migrations` with
 * the columns and checksum that Prisma uses, so `prisma migrate status` agrees with it.
 *
 * The whole run holds a PostgreSQL advisory lock: a second instance starting at the same
 * time waits, then finds nothing left to apply. Each migration and its history row commit
 * in one transaction, so a failed migration leaves no partial schema and no record.
 */
export async function applyMigrations(
  poolConfig: pg.PoolConfig,
  log: Logger,
  migrations?: Migration[],
): Promise<MigrationStatus> {
  const files = migrations ?? (await readMigrations());
  const client = new pg.Client(poolConfig);
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [migrationLockKey]);
    try {
      await client.query(createHistoryTable);
      const history = await readHistory(client);
      checkHistory(history, files);
      const applied: string[] = [];
      for (const migration of files) {
        if (history.has(migration.name)) {
          continue;
        }
        const started = Date.now();
        await client.query('BEGIN');
        try {
          await client.query(migration.sql);
          await client.query(
            `INSERT INTO "_prisma_migrations"
               (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
             VALUES ($1, $2, $3, $4, now(), 1)`,
            [randomUUID(), migration.checksum, migration.name, new Date(started)],
          );
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw new MigrationError(
            `Migration ${migration.name} failed: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
        applied.push(migration.name);
        log.info({ migration: migration.name, ms: Date.now() - started }, 'applied migration');
      }

      return { applied, pending: [] };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [migrationLockKey]);
    }
  } finally {
    await client.end();
  }
}

/** Lists applied and pending migrations without changing anything. */
export async function migrationStatus(
  client: pg.ClientBase,
  migrations?: Migration[],
): Promise<MigrationStatus> {
  const files = migrations ?? (await readMigrations());
  const table = await client.query<{ exists: boolean }>(
    `SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS exists`,
  );
  if (table.rows[0]?.exists !== true) {
    return { applied: [], pending: files.map((file) => file.name) };
  }
  const history = await readHistory(client);

  return {
    applied: files.filter((file) => history.get(file.name)?.finished_at != null).map((f) => f.name),
    pending: files.filter((file) => !history.has(file.name)).map((file) => file.name),
  };
}
