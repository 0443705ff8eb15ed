// The admin operations of a command run with --url: over the admin API of that server, as the
// machine client in SSO_ADMIN_CLIENT_ID and SSO_ADMIN_CLIENT_SECRET, set up when the command first
// needs them (a command that needs no server, such as `keys master-key`, needs no client either).
import type { AdminOperations } from '../administration/operations.ts';
import { loadConfig } from '../config.ts';
import { createLogger, type Logger } from '../log.ts';
import { remoteAdministration } from './remote.ts';
import { adminApiClient } from './remote-client.ts';
import { remoteTarget } from './remote-target.ts';

/** The remote operations of one command, and the CLI's log (stderr, SSO_LOG_LEVEL, default warn). */
export interface RemoteAdmin {
  /** The operations; UsageError when the machine client's id or secret is not set. */
  admin(): Promise<AdminOperations>;
  readonly log: Logger;
}

/** The operations at the issuer `url` for a command that only reads when `readOnly`. */
export function remoteAdmin(
  url: string,
  env: Readonly<Record<string, string | undefined>>,
  readOnly: boolean,
): RemoteAdmin {
  // Only the log level: the store's settings are the server's business.
  const { logLevel } = loadConfig({ SSO_LOG_LEVEL: env.SSO_LOG_LEVEL ?? 'warn' });
  const log = createLogger(logLevel, (line) => process.stderr.write(line));
  let operations: AdminOperations | undefined;
  return {
    log,
    admin: async () =>
      (operations ??= remoteAdministration(adminApiClient(remoteTarget(url, env, readOnly), log))),
  };
}
