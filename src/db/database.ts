import { PrismaPg } from '@prisma/adapter-pg';
import type { PoolConfig } from 'pg';
import type { Config } from '../config.js';
import { PrismaClient } from '../generated/prisma/client.js';
import type { Logger } from '../logger.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './embedded.js';
import { applyMigrations, readMigrations } from './migrate.js';

export type { PrismaClient };

export interface Database {
  prisma: PrismaClient;
  /** True when the data lives in the embedded PGlite database under `DATA_DIR`. */
  embedded: boolean;
  /** Resolves to `undefined` when the database answers and every migration is applied. */
  checkReady(): Promise<string | undefined>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** Apply pending migrations before returning. Defaults to true. */
  migrate?: boolean;
}

/** Connection settings for `DATABASE_URL`, or starts the embedded database. */
async function connect(
  config: Config,
  log: Logger,
): Promise<{ poolConfig: PoolConfig; embedded: EmbeddedDatabase | undefined }> {
  if (config.databaseUrl !== undefined) {
    return {
      poolConfig: { connectionString: config.databaseUrl, max: config.databasePoolSize },
      embedded: undefined,
    };
  }
  const embedded = await startEmbeddedDatabase(config.dataDir);
  log.info({ dataDir: config.dataDir }, 'started embedded PostgreSQL (PGlite)');

  return { poolConfig: embedded.poolConfig, embedded };
}

/** Opens PostgreSQL (or the embedded database), applies migrations and returns a client. */
export async function openDatabase(
  config: Config,
  log: Logger,
  options: OpenDatabaseOptions = {},
): Promise<Database> {
  const { poolConfig, embedded } = await connect(config, log);
  try {
    const migrations = await readMigrations();
    if (options.migrate ?? true) {
      const status = await applyMigrations(poolConfig, log, migrations);
      log.info({ applied: status.applied.length, total: migrations.length }, 'database schema is current');
    }
    const prisma = new PrismaClient({ adapter: new PrismaPg(poolConfig) });

    return {
      prisma,
      embedded: embedded !== undefined,
      async checkReady() {
        const rows = await prisma.$queryRaw<{ migration_name: string }[]>`
          SELECT migration_name FROM "_prisma_migrations"
          WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
        const applied = new Set(rows.map((row) => row.migration_name));
        const pending = migrations.filter((migration) => !applied.has(migration.name));

        return pending.length === 0
          ? undefined
          : `pending migrations: ${pending.map((migration) => migration.name).join(', ')}`;
      },
      async close() {
        await prisma.$disconnect();
        await embedded?.stop();
      },
    };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}
