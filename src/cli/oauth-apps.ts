import { Command } from 'commander';
import { findAccountByEmail } from '../accounts/accounts.js';
import { createOAuthApp, listOAuthApps, revokeOAuthApp } from '../accounts/oauth.js';
import type { OAuthApp } from '../generated/prisma/client.js';
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
  name: string;
  scopes: string;
  json?: boolean;
}

function appJson(app: OAuthApp) {
  return {
    id: app.id,
    name: app.name,
    client_id: app.clientId,
    scopes: app.scopes,
    created_at: isoTimestamp(app.createdAt),
    revoked_at: isoTimestamp(app.revokedAt),
  };
}

export function oauthAppsCommand(): Command {
  const apps = new Command('oauth-apps').description(
    'Register, list and revoke OAuth apps, which get tokens by the client credentials grant',
  );

  apps
    .command('create')
    .description(
      'Register an OAuth app and print its client_id and client_secret, shown only this once',
    )
    .requiredOption('--email <address>', 'email address of the account that owns the app')
    .requiredOption('--name <name>', 'name of the app')
    .option(
      '--scopes <scopes>',
      'comma-separated scopes the app may request, such as agents:read',
      '*',
    )
    .option('--json', 'print the app and its credentials as JSON')
    .action(async (options: CreateOptions, command: Command) => {
      await withDatabase(command, async (prisma) => {
        const account = await findAccountByEmail(prisma, options.email);
        const { app, clientId, clientSecret } = await createOAuthApp(prisma, account.id, {
          name: options.name,
          scopes: splitList(options.scopes),
        });
        if (options.json === true) {
          writeJson({ ...appJson(app), client_secret: clientSecret });
        } else {
          writeResult(`client_id: ${clientId}\nclient_secret: ${clientSecret}`);
        }
        writeNotice(
          `Registered OAuth app ${app.id} (${app.name}) for ${account.email} with scopes ` +
            `${app.scopes.join(',')}. Store the client secret now: it cannot be shown again. ` +
            'Exchange the credentials for an access token at POST /api/v1/oauth/token ' +
            'with grant_type=client_credentials.',
        );
      });
    });

  apps
    .command('list')
    .description('List the OAuth apps of an account')
    .requiredOption('--email <address>', 'email address of the account')
    .option('--json', 'print the apps as JSON')
    .action(async (options: { email: string; json?: boolean }, command: Command) => {
      await withDatabase(command, async (prisma) => {
        const account = await findAccountByEmail(prisma, options.email);
        const rows = await listOAuthApps(prisma, account.id);
        if (options.json === true) {
          writeJson(rows.map(appJson));

          return;
        }
        writeResult(
          formatTable(
            ['id', 'name', 'client_id', 'scopes', 'created', 'revoked'],
            rows.map((app) => [
              String(app.id),
              app.name,
              app.clientId,
              app.scopes.join(','),
              formatTimestamp(app.createdAt),
              formatTimestamp(app.revokedAt),
            ]),
          ),
        );
      });
    });

  apps
    .command('revoke')
    .description('Revoke an OAuth app; the access tokens it was issued stop working at once')
    .requiredOption('--email <address>', 'email address of the account that owns the app')
    .requiredOption('--client-id <id>', 'client_id of the app, as oauth-apps list shows it')
    .action(async (options: { email: string; clientId: string }, command: Command) => {
      await withDatabase(command, async (prisma) => {
        const account = await findAccountByEmail(prisma, options.email);
        const app = await revokeOAuthApp(prisma, account.id, options.clientId);
        writeResult(`Revoked OAuth app ${app.id} (${app.clientId}) of ${account.email}`);
      });
    });

  return apps;
}
