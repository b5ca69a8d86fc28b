import { countAccounts, createAccount } from '../accounts/accounts.js';
import { createApiKey } from '../accounts/api-keys.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Logger } from '../logger.js';

export const localAccountEmail = 'owner@agentgraph.local';

/**
 * On the first start of an embedded installation, creates a local account with a test
 * key so that a new user can call the API at once. The key is written to standard output
 * once, and never logged.
 */
export async function bootstrapLocalAccount(
  prisma: PrismaClient,
  log: Logger,
  write: (text: string) => void = (text) => process.stdout.write(text),
): Promise<void> {
  if ((await countAccounts(prisma)) > 0) {
    return;
  }
  const account = await createAccount(prisma, { email: localAccountEmail, name: 'Local owner', plan: 'enterprise' });
  const { token } = await createApiKey(prisma, account.id, { name: 'first key', test: true });
  log.info({ accountId: account.id, email: account.email }, 'created the local account and its first API key');
  write(
    [
      '',
      `Created the local account ${account.email} (enterprise plan) with this API key, shown only now:`,
      '',
      `  ${token}`,
      '',
      'Make more keys with the createApiKey GraphQL mutation while the server runs, or stop it',
      `(only one process may open the embedded database) and run: npm run cli -- keys create --email ${account.email}`,
      '',
    ].join('\n') + '\n',
  );
}
