import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { PoolConfig } from 'pg';

/** An embedded PostgreSQL (PGlite) reachable over a Unix socket of its own. */
export interface EmbeddedDatabase {
  /** Settings for `pg` and `@prisma/adapter-pg`; the pool must keep one connection. */
  poolConfig: PoolConfig;
  stop(): Promise<void>;
}

/**
 * Starts PGlite with its files under `dataDir/pgdata` and serves it on a Unix socket in a
 * private temporary folder, so that `pg` clients reach it like any PostgreSQL server and
 * no TCP port is taken.
 *
 * PGlite runs one backend: the socket server queues queries from several connections
 * but interleaves their transactions, so every client must share one connection.
 */
export async function startEmbeddedDatabase(dataDir: string): Promise<EmbeddedDatabase> {
  const dataPath = join(dataDir, 'pgdata');
  await mkdir(dataPath, { recursive: true });
  const db = await PGlite.create(dataPath);

  // Unix socket paths are limited to about 100 bytes, so the socket lives in a short
  // temporary folder rather than under a data folder of any length.
  const socketDir = await mkdtemp(join(tmpdir(), 'agentgraph-pg-'));
  const server = new PGLiteSocketServer({
    db,
    path: join(socketDir, '.s.PGSQL.5432'),
    maxConnections: 4,
  });
  await server.start();

  return {
    poolConfig: {
      host: socketDir,
      port: 5432,
      user: 'postgres',
      database: 'postgres',
      max: 1,
    },
    async stop() {
      await server.stop();
      await db.close();
      await rm(socketDir, { recursive: true, force: true });
    },
  };
}
