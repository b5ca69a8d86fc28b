import type { Command } from 'commander';
import pg from 'pg';
import { pino } from 'pino';
import { loadConfig, type Config } from '../config.js';
import { openDatabase } from '../db/database.js';
import { startEmbeddedDatabase } from '../db/embedded.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { createLogger, type Logger } from '../logger.js';

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface CliRuntime {
  config: Config;
  log: Logger;
}

/**
 * Reads the settings and creates a logger that writes to standard error, at the level of
 * the global `--log-level` option, so log lines never mix with a command's result.
 */
export function createRuntime(command: Command): CliRuntime {
  const { logLevel } = command.optsWithGlobals<{ logLevel: string }>();
  const config = loadConfig();
  // A synchronous destination, so no line is lost when the process exits right after.
  const log = createLogger(logLevel, pino.destination({ dest: 2, sync: true }));

  return { config, log };
}

/** Opens the database with pending migrations applied, runs `task` and closes it again. */
export async function withDatabase<T>(
  command: Command,
  task: (prisma: PrismaClient, runtime: CliRuntime) => Promise<T>,
): Promise<T> {
  const runtime = createRuntime(command);
  const database = await openDatabase(runtime.config, runtime.log);
  try {
    return await task(database.prisma, runtime);
  } finally {
    await database.close();
  }
}

/**
 * Runs `task` with the connection settings that migrations use, without applying any or
 * starting Prisma. They come from `DATABASE_URL` when set, otherwise from the embedded
 * database under `DATA_DIR`.
 */
export async function withConnectionSettings<T>(
  command: Command,
  task: (poolConfig: pg.PoolConfig, runtime: CliRuntime) => Promise<T>,
): Promise<T> {
  const runtime = createRuntime(command);
  const { config } = runtime;
  if (config.databaseUrl !== undefined) {
    return task({ connectionString: config.databaseUrl }, runtime);
  }
  const embedded = await startEmbeddedDatabase(config.dataDir);
  try {
    return await task(embedded.poolConfig, runtime);
  } finally {
    await embedded.stop();
  }
}

/** Runs `task` with one `pg` client that is closed afterwards. */
export async function withClient<T>(
  poolConfig: pg.PoolConfig,
  task: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client(poolConfig);
  await client.connect();
  try {
    return await task(client);
  } finally {
    await client.end();
  }
}
