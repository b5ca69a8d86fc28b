import { Command, Option } from 'commander';
import { accountsCommand } from './accounts.js';
import { dbCommand } from './db.js';
import { describeExpectedError } from './errors.js';
import { keysCommand } from './keys.js';
import { oauthAppsCommand } from './oauth-apps.js';
import { logLevels } from './runtime.js';

function createProgram(): Command {
  return new Command()
    .name('npm run cli --')
    .description(
      'Operator commands for agentgraph. They use the database the server would: ' +
        'DATABASE_URL when set, otherwise the embedded database under DATA_DIR, which the ' +
        'server must not have open at the same time.',
    )
    .addOption(
      new Option('--log-level <level>', 'level of the log lines written to standard error')
        .choices(logLevels)
        .default('warn'),
    )
    .addCommand(accountsCommand())
    .addCommand(keysCommand())
    .addCommand(oauthAppsCommand())
    .addCommand(dbCommand());
}

try {
  await createProgram().parseAsync(process.argv);
} catch (error) {
  const message = describeExpectedError(error);
  const trace = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(message === undefined ? `Unexpected error: ${trace}\n` : `${message}\n`);
  process.exitCode = 1;
}
