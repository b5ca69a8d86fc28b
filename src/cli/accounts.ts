import { Command, Option } from 'commander';
import { createAccount, findAccountByEmail, planTiers, setPassword } from '../accounts/accounts.js';
import type { Account } from '../generated/prisma/client.js';
import {
  formatTable,
  formatTimestamp,
  isoTimestamp,
  writeJson,
  writeNotice,
  writeResult,
} from './output.js';
import { withDatabase } from './runtime.js';

/**
 * Reads a password from standard input up to end of file. One trailing newline is
 * dropped, because `echo` and here-strings add one that is not part of the password.
 */
async function readPasswordFromStdin(): Promise<string> {
  if (process.stdin.isTTY) {
    writeNotice('Type the password, then press Enter and Ctrl-D. It is shown as you type.');
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  }

  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

interface CreateOptions {
  email: string;
  tier: string;
  name?: string;
  passwordStdin?: boolean;
  json?: boolean;
}

function accountJson(account: Account) {
  return {
    id: account.id,
    email: account.email,
    name: account.name,
    tier: account.plan,
    has_password: account.passwordHash !== null,
    created_at: isoTimestamp(account.createdAt),
  };
}

export function accountsCommand(): Command {
  const accounts = new Command('accounts').description(
    'Create and list accounts and set their passwords',
  );

  accounts
    .command('create')
    .description('Create an account')
    .requiredOption('--email <address>', 'email address, unique among accounts')
    .addOption(new Option('--tier <tier>', 'plan tier').choices(planTiers).default('free'))
    .option('--name <name>', 'display name')
    .option(
      '--password-stdin',
      'read a password from standard input, for sign-in at POST /api/auth.php',
    )
    .option('--json', 'print the account as JSON')
    .action(async (options: CreateOptions, command: Command) => {
      const password = options.passwordStdin === true ? await readPasswordFromStdin() : undefined;
      await withDatabase(command, async (prisma) => {
        const account = await createAccount(prisma, {
          email: options.email,
          plan: options.tier as Account['plan'],
          name: options.name,
          password,
        });
        if (options.json === true) {
          writeJson(accountJson(account));
        } else {
          const signIn = account.passwordHash === null ? 'no password' : 'password set';
          writeResult(
            `Created account ${account.id}: ${account.email}, tier ${account.plan}, ${signIn}`,
          );
        }
        writeNotice(
          `Create an API key for it with: npm run cli -- keys create --email ${account.email}`,
        );
      });
    });

  accounts
    .command('set-password')
    .description('Set the password of an account from standard input, replacing any old one')
    .requiredOption('--email <address>', 'email address of the account')
    .action(async (options: { email: string }, command: Command) => {
      const password = await readPasswordFromStdin();
      await withDatabase(command, async (prisma) => {
        const account = await findAccountByEmail(prisma, options.email);
        await setPassword(prisma, account.id, password);
        writeResult(`Set the password of account ${account.id} (${account.email})`);
      });
    });

  accounts
    .command('list')
    .description('List every account')
    .option('--json', 'print the accounts as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      await withDatabase(command, async (prisma) => {
        const rows = await prisma.account.findMany({ orderBy: { id: 'asc' } });
        if (options.json === true) {
          writeJson(rows.map(accountJson));

          return;
        }
        writeResult(
          formatTable(
            ['id', 'email', 'name', 'tier', 'password', 'created'],
            rows.map((account) => [
              String(account.id),
              account.email,
              account.name,
              account.plan,
              account.passwordHash === null ? 'no' : 'yes',
              formatTimestamp(account.createdAt),
            ]),
          ),
        );
      });
    });

  return accounts;
}
