import { Command, InvalidArgumentError, Option } from 'commander';
import { findAccountByEmail } from '../accounts/accounts.js';
import { createApiKey, describeApiKey, listApiKeys, revokeApiKey } from '../accounts/api-keys.js';
import type { ApiKey } from '../generated/prisma/client.js';
import { UsageError } from './errors.js';
import {
  formatTable,
  formatTimestamp,
  isoTimestamp,
  splitList,
  writeJson,
  writeNotice,
  writeResult,
} from './output.js';
import { withDatabase } from './runtime.js';

interface CreateOptions {
  email: string;
  scopes: string;
  test?: boolean;
  name?: string;
}

interface RevokeOptions {
  email: string;
  id?: number;
  prefix?: string;
}

function parseKeyId(value: string): number {
  const id = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(id) || id < 1) {
    throw new InvalidArgumentError('The key id must be a positive integer.');
  }

  return id;
}

/**
 * Accepts a bare prefix or anything that starts like a key, so that an operator may paste
 * the elided `ak_live_<prefix>_…` that `keys list` shows, or the whole key.
 */
function parseKeyPrefix(value: string): string {
  const match = /^(?:ak_(?:live|test)_)?([A-Za-z0-9]+)(?:_.*)?$/.exec(value.trim());
  if (match?.[1] === undefined) {
    throw new InvalidArgumentError(
      'Expected a key prefix such as k3x9q2ab, or ak_live_k3x9q2ab_….',
    );
  }

  return match[1];
}

function keyJson(key: ApiKey) {
  return {
    id: key.id,
    name: key.name,
    key: describeApiKey(key),
    mode: key.mode,
    scopes: key.scopes,
    created_at: isoTimestamp(key.createdAt),
    last_used_at: isoTimestamp(key.lastUsedAt),
    revoked_at: isoTimestamp(key.revokedAt),
  };
}

export function keysCommand(): Command {
  const keys = new Command('keys').description('Create, list and revoke API keys');

  keys
    .command('create')
    .description('Create an API key and print it alone on standard output; it is shown only once')
    .requiredOption('--email <address>', 'email address of the account that owns the key')
    .option('--scopes <scopes>', 'comma-separated scopes, such as agents:read,chat:write', '*')
    .option('--test', 'create a test-mode key (ak_test_), which sees only test-mode data')
    .option('--name <name>', 'label to tell keys apart')
    .action(async (options: CreateOptions, command: Command) => {
      await withDatabase(command, async (prisma) => {
        const account = await findAccountByEmail(prisma, options.email);
        const { token, key } = await createApiKey(prisma, account.id, {
          name: options.name,
          scopes: splitList(options.scopes),
          test: options.test === true,
        });
        writeResult(token);
        writeNotice(
          `Created ${key.mode} API key ${key.id} (${describeApiKey(key)}) for ${account.email} ` +
            `with scopes ${key.scopes.join(',')}. Store it now: it cannot be shown again.`,
        );
      });
    });

  keys
    .command('list')
    .description('List the API keys of an account, with their secrets elided')
    .requiredOption('--email <address>', 'email address of the account')
    .option('--json', 'print the keys as JSON')
    .action(async (options: { email: string; json?: boolean }, command: Command) => {
      await withDatabase(command, async (prisma) => {
        const account = await findAccountByEmail(prisma, options.email);
        const rows = await listApiKeys(prisma, account.id);
        if (options.json === true) {
          writeJson(rows.map(keyJson));

          return;
        }
        writeResult(
          formatTable(
            ['id', 'name', 'key', 'mode', 'scopes', 'created', 'last used', 'revoked'],
            rows.map((key) => [
              String(key.id),
              key.name,
              describeApiKey(key),
              key.mode,
              key.scopes.join(','),
              formatTimestamp(key.createdAt),
              formatTimestamp(key.lastUsedAt),
              formatTimestamp(key.revokedAt),
            ]),
          ),
        );
      });
    });

  keys
    .command('revoke')
    .description('Revoke an API key of an account, named by its id or its prefix')
    .requiredOption('--email <address>', 'email address of the account that owns the key')
    .addOption(new Option('--id <id>', 'key id, as keys list shows it').argParser(parseKeyId))
    .addOption(
      new Option('--prefix <prefix>', 'key prefix, or the key as keys list shows it')
        .argParser(parseKeyPrefix)
        .conflicts('id'),
    )
    .action(async (options: RevokeOptions, command: Command) => {
      if (options.id === undefined && options.prefix === undefined) {
        throw new UsageError(
          'Missing --id or --prefix: name the key to revoke as keys list shows it.',
        );
      }
      await withDatabase(command, async (prisma) => {
        const account = await findAccountByEmail(prisma, options.email);
        const started = new Date();
        const key = await revokeApiKey(
          prisma,
          account.id,
          options.id === undefined ? { prefix: options.prefix ?? '' } : { id: options.id },
        );
        const revokedAt = key.revokedAt ?? started;
        const described = `API key ${key.id} (${describeApiKey(key)})`;
        writeResult(
          revokedAt < started
            ? `${described} was already revoked at ${formatTimestamp(revokedAt)}`
            : `Revoked ${described} of ${account.email}`,
        );
      });
    });

  return keys;
}
