import { randomBytes } from 'node:crypto';
import { link, mkdir, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { PoolConfig } from 'pg';

/** An embedded PostgreSQL (PGlite) reachable over a Unix socket of its own. */
export interface EmbeddedDatabase {
  /** Settings for `pg` and `@prisma/adapter-pg`; the pool must keep one connection. */
  poolConfig: PoolConfig;
  stop(): Promise<void>;
}

/** Raised when another running process has the embedded database's files open. */
export class EmbeddedDatabaseLockedError extends Error {
  override name = 'EmbeddedDatabaseLockedError';

  constructor(
    readonly dataDir: string,
    readonly lockPath: string,
    readonly pid: number,
  ) {
    super(
      `The embedded database in ${dataDir} is in use by process ${pid}. ` +
        'Stop that process (the server or another CLI command) first, or set DATABASE_URL ' +
        `to use PostgreSQL. If no such process is running, delete ${lockPath}.`,
    );
  }
}

function isErrorCode(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}

/** Returns false only when no process with this id exists. EPERM means one exists. */
function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);

    return true;
  } catch (error) {
    return !isErrorCode(error, 'ESRCH');
  }
}

/** Reads the pid in a lock file, or `undefined` when the file is gone or contains no pid. */
async function readLockHolder(lockPath: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(lockPath, 'utf8')).trim());

    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch (error) {
    if (isErrorCode(error, 'ENOENT')) {
      return undefined;
    }
    throw error;
  }
}

/** Lock files that this process has taken, so it can tell its own lock from a stale one. */
const heldLocks = new Set<string>();

/**
 * Returns true when the lock's owner is still running. A lock with this process's own
 * pid that this process does not hold was left by an earlier process with the same pid,
 * as happens when a container restarts and the server is pid 1 again.
 */
function isLockLive(lockPath: string, holder: number): boolean {
  return holder === process.pid ? heldLocks.has(lockPath) : isProcessAlive(holder);
}

/**
 * Takes the lock file that keeps a second process from opening the same PGlite files,
 * which PGlite does not prevent and which corrupts them. The file contains the owner's pid.
 * It is written under a temporary name and then hard-linked into place, because `link`
 * fails when the target exists, so no process ever sees a lock without its pid.
 * A lock whose process is gone is stale, left by a crash, and is taken over.
 *
 * NOTE: two processes that find the same stale lock at the same moment can both remove
 * it, and then the later one may remove the lock the earlier one has just taken.
 */
async function acquireLock(dataDir: string): Promise<() => Promise<void>> {
  const lockPath = join(dataDir, 'pgdata.lock');
  const draft = `${lockPath}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(draft, `${process.pid}\n`);
  try {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      try {
        await link(draft, lockPath);
        heldLocks.add(lockPath);
        let released = false;

        return async () => {
          // Stopping twice must not remove a lock that a later start in this process took.
          if (released) {
            return;
          }
          released = true;
          heldLocks.delete(lockPath);
          await rm(lockPath, { force: true });
        };
      } catch (error) {
        if (!isErrorCode(error, 'EEXIST')) {
          throw error;
        }
      }
      const holder = await readLockHolder(lockPath);
      if (holder !== undefined && isLockLive(lockPath, holder)) {
        throw new EmbeddedDatabaseLockedError(dataDir, lockPath, holder);
      }
      await rm(lockPath, { force: true });
    }
  } finally {
    await unlink(draft).catch(() => undefined);
  }
  throw new Error(`Failed to take the lock ${lockPath}, because other processes keep replacing it`);
}

/** Opens PGlite on `dataPath` and serves it on a socket. `onStop` runs once it has closed. */
async function serveDatabase(
  dataPath: string,
  onStop: () => Promise<void>,
): Promise<EmbeddedDatabase> {
  // Extensions that migrations create must be compiled into PGlite and loaded here.
  const db = await PGlite.create(dataPath, { extensions: { pg_trgm } });

  // Unix socket paths are limited to about 100 bytes, so the socket lives in a short
  // temporary folder rather than under a data folder of any length.
  const socketDir = await mkdtemp(join(tmpdir(), 'agentgraph-pg-'));
  const server = new PGLiteSocketServer({
    db,
    path: join(socketDir, '.s.PGSQL.5432'),
    maxConnections: 4,
  });
  try {
    await server.start();
  } catch (error) {
    await db.close();
    await rm(socketDir, { recursive: true, force: true });
    throw error;
  }

  return {
    poolConfig: {
      host: socketDir,
      port: 5432,
      user: 'postgres',
      database: 'postgres',
      max: 1,
    },
    async stop() {
      try {
        await server.stop();
        await db.close();
        await rm(socketDir, { recursive: true, force: true });
      } finally {
        await onStop();
      }
    },
  };
}

/**
 * Starts PGlite with its files under `dataDir/pgdata` and serves it on a Unix socket in a
 * private temporary folder, so that `pg` clients reach it like any PostgreSQL server and
 * no TCP port is taken. Raises {@link EmbeddedDatabaseLockedError} while another process
 * has the same `dataDir` open.
 *
 * PGlite runs one backend: the socket server queues queries from several connections
 * but interleaves their transactions, so every client must share one connection.
 */
export async function startEmbeddedDatabase(dataDir: string): Promise<EmbeddedDatabase> {
  const dataPath = join(dataDir, 'pgdata');
  await mkdir(dataPath, { recursive: true });
  const releaseLock = await acquireLock(dataDir);
  try {
    return await serveDatabase(dataPath, releaseLock);
  } catch (error) {
    await releaseLock();
    throw error;
  }
}
