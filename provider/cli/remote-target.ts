// `sso --url URL …`: which server's admin API the CLI works through, and the machine client it
// proves itself with (SSO_ADMIN_CLIENT_ID and SSO_ADMIN_CLIENT_SECRET, never an argument: a secret
// on the command line lands in shell history and the process list).
import { ADMIN_SCOPES } from '../administration/system.ts';
import { ConfigError } from '../config.ts';
import { UsageError } from './errors.ts';

/** Where the admin API is and how the CLI proves who it is. */
export interface RemoteTarget {
  /** The issuer URL, without a trailing slash. */
  url: string;
  clientId: string;
  clientSecret: string;
  /** The scopes the token is asked for, space-separated. */
  scope: string;
}

/** The arguments after the global options, and the issuer URL --url gave (if it did). */
export interface GlobalOptions {
  url?: string;
  rest: string[];
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Takes `--url URL` (or `--url=URL`) off the front of `argv`; UsageError when it is malformed. */
export function globalOptions(argv: readonly string[]): GlobalOptions {
  const [first, second, ...others] = argv;
  if (first === '--url') {
    if (second === undefined || second.startsWith('-')) {
      throw new UsageError(
        '--url needs the URL of an SSO server (its issuer), e.g. --url https://sso.example.com',
      );
    }
    return { url: issuerUrl(second), rest: noSecondUrl(others) };
  }
  if (first?.startsWith('--url=')) {
    return { url: issuerUrl(first.slice('--url='.length)), rest: noSecondUrl(argv.slice(1)) };
  }
  return { rest: [...argv] };
}

function noSecondUrl(rest: string[]): string[] {
  const [first] = rest;
  if (first === '--url' || first?.startsWith('--url=')) {
    throw new UsageError('option --url is given more than once');
  }
  return rest;
}

/** `value` as an issuer URL: absolute, https (http only on loopback), without query or credentials. */
function issuerUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(
      `--url must be an absolute URL like https://sso.example.com (got "${value}")`,
    );
  }
  if (url.username || url.password) {
    throw new UsageError(
      '--url must not hold credentials: give them in SSO_ADMIN_CLIENT_ID and SSO_ADMIN_CLIENT_SECRET',
    );
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    throw new UsageError(
      `--url must be https (http only on localhost, 127.0.0.1 or [::1]): the client secret goes there (got "${url.href}")`,
    );
  }
  if (url.search || url.hash) {
    throw new UsageError(
      `--url is the issuer URL, without a query or fragment (got "${url.href}")`,
    );
  }
  return url.href.replace(/\/+$/, '');
}

/**
 * The target of a command run with --url: the machine client from `env`, and the scopes it asks for
 * (SSO_ADMIN_SCOPE, else admin:read for a command that only reads and admin:write for one that
 * changes). UsageError when the client's id or secret is missing.
 */
export function remoteTarget(
  url: string,
  env: Readonly<Record<string, string | undefined>>,
  readOnly: boolean,
): RemoteTarget {
  const clientId = env.SSO_ADMIN_CLIENT_ID?.trim();
  const clientSecret = env.SSO_ADMIN_CLIENT_SECRET;
  if (!clientId || !clientSecret) {
    const missing = [
      ...(clientId ? [] : ['SSO_ADMIN_CLIENT_ID']),
      ...(clientSecret ? [] : ['SSO_ADMIN_CLIENT_SECRET']),
    ];
    throw new UsageError(
      `--url needs ${missing.join(' and ')} set: the id and secret of a machine client registered for ${url}/admin/api (see "sso --help")`,
    );
  }
  return { url, clientId, clientSecret, scope: scopeOf(env.SSO_ADMIN_SCOPE, readOnly) };
}

function scopeOf(setting: string | undefined, readOnly: boolean): string {
  if (setting === undefined || setting.trim() === '') {
    return readOnly ? ADMIN_SCOPES.read : `${ADMIN_SCOPES.read} ${ADMIN_SCOPES.write}`;
  }
  const scopes = setting.trim().split(/\s+/);
  const known: string[] = Object.values(ADMIN_SCOPES);
  const unknown = scopes.find((scope) => !known.includes(scope));
  if (unknown !== undefined) {
    throw new ConfigError(
      'SSO_ADMIN_SCOPE',
      `must be ${known.join(', ')} or both, space-separated (got "${unknown}")`,
    );
  }
  return [...new Set(scopes)].join(' ');
}
