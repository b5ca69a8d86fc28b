import { Command } from 'commander';
import { applyMigrations, migrationStatus, readMigrations } from '../db/migrate.js';
import { formatTable, writeJson, writeResult } from './output.js';
import { withClient, withConnectionSettings } from './runtime.js';

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

export function dbCommand(): Command {
  const db = new Command('db').description('Apply and inspect database migrations');

  db.command('migrate')
    .description('Apply pending migrations from prisma/migrations; applying none is not an error')
    .action(async (_options: unknown, command: Command) => {
      await withConnectionSettings(command, async (poolConfig, { log }) => {
        const migrations = await readMigrations();
        const { applied } = await applyMigrations(poolConfig, log, migrations);
        const total = plural(migrations.length, 'migration');
        writeResult(
          applied.length === 0
            ? `No pending migrations: the database schema is current (${total} applied)`
            : `Applied ${plural(applied.length, 'migration')}: ${applied.join(', ')}`,
        );
      });
    });

  db.command('status')
    .description('List applied and pending migrations without changing anything')
    .option('--json', 'print the status as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      await withConnectionSettings(command, async (poolConfig) => {
        const status = await withClient(poolConfig, (client) => migrationStatus(client));
        if (options.json === true) {
          writeJson(status);

          return;
        }
        const rows = [
          ...status.applied.map((name) => [name, 'applied']),
          ...status.pending.map((name) => [name, 'pending']),
        ].sort(([left], [right]) => (left ?? '').localeCompare(right ?? ''));
        writeResult(formatTable(['migration', 'status'], rows));
        const pending = plural(status.pending.length, 'pending migration');
        writeResult(
          status.pending.length === 0
            ? 'The database schema is current.'
            : `${pending}: apply them with npm run db:migrate, or by starting the server`,
        );
      });
    });

  return db;
}
