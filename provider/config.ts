// Service configuration: read from the environment once, validated, frozen, and handed to whoever
// needs it. Nothing else in the service reads process.env. Every variable, its default and its
// meaning is listed in SETTINGS below; the README's configuration table mirrors it.
import { normalizeHostEntry } from './oidc/outgoing-requests.ts';
import { parseDuration } from './durations.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface TokenLifetimes {
  accessToken: number;
  /** Access tokens for an API registered without a lifetime of its own (JWTs by default). */
  apiAccessToken: number;
  idToken: number;
  refreshToken: number;
  authorizationCode: number;
  clientCredentials: number;
  deviceCode: number;
  session: number;
  grant: number;
  interaction: number;
}

export interface Config {
  /** The public issuer identifier, e.g. `https://sso.example.com` or `https://host/auth`. */
  issuer: string;
  /** The path part of the issuer without a trailing slash (`''` or `/auth`): where we mount. */
  basePath: string;
  host: string;
  port: number;
  dataDir: string;
  mongodbUri: string | undefined;
  trustProxy: boolean;
  logLevel: LogLevel;
  /** One JSON line per request (`"msg":"request"`, at info), SSO_ACCESS_LOG. */
  accessLog: boolean;
  /** Prometheus metrics and shutdown (see provider/observability/). */
  ops: OpsSettings;
  /** Seconds. */
  ttl: TokenLifetimes;
  /** Seconds a rotated refresh token may still be used again by a concurrent request. */
  refreshTokenGrace: number;
  /** Seconds between re-reads of the shared signing keys by a running instance. */
  keyRefreshInterval: number;
  /** Seconds between sweeps of expired records. */
  sweepInterval: number;
  argon2: { memoryKib: number; iterations: number; parallelism: number };
  /** Protection against password and code guessing (see provider/security/sign-in-guard.ts). */
  signIn: SignInLimits;
  /** Request limits of the protocol endpoints (see provider/security/endpoint-limits.ts). */
  rateLimits: RateLimits;
  /** Seconds an audit event is kept in the store. */
  auditRetention: number;
  /**
   * The master key that encrypts private keys and client secrets at rest, as given (32 bytes in
   * base64); undefined when not configured (see keys/master-key.ts for where it comes from then).
   */
  masterKey: string | undefined;
  /** A file holding the master key (for secrets mounted as files). */
  masterKeyFile: string | undefined;
  /**
   * SameSite of the session cookie: `none` lets a relying party's page POST to the authorization
   * and end-session endpoints with the session (those POST routes are on only then); `lax` keeps
   * the cookie off cross-site POSTs. `none` needs an https issuer (browsers want it Secure).
   */
  cookieSameSite: 'none' | 'lax';
  /** Hosts (`host` or `host:port`) outgoing requests may reach at internal addresses. */
  outgoingAllowedHosts: string[];
  /** The admin console and admin API (see provider/administration/). */
  admin: AdminSettings;
  /** Members of these groups need a second factor at every sign-in. */
  mfaGroups: string[];
  /** Outgoing mail (see provider/mail/). */
  mail: MailSettings;
  /** Password reset and self-registration (see provider/people/). */
  people: PeopleSettings;
  /** The organisation's name, logo, colour and links on every page and mail. */
  brand: BrandSettings;
}

/**
 * What makes the pages and mails the organisation's own. A link or logo is an https URL or a path
 * on SSO's own origin (`/static/logo.svg`); undefined leaves it out.
 */
export interface BrandSettings {
  /** Shown in every page's header and title, and in the mails (default `SSO`). */
  name: string;
  logoUrl: string | undefined;
  /** `#rrggbb` (a `#rgb` is expanded); undefined keeps Bootstrap's own colours. */
  primaryColor: string | undefined;
  helpUrl: string | undefined;
  privacyUrl: string | undefined;
  termsUrl: string | undefined;
}

/** What operators watch and how the server stops. */
export interface OpsSettings {
  /** Serve /metrics on this port of `metricsHost` (0 picks a free one); undefined: not there. */
  metricsPort: number | undefined;
  /** Address of the metrics port (default SSO_HOST). */
  metricsHost: string;
  /**
   * Serve `<issuer>/metrics` on the main port to requests bearing this token; undefined: not on
   * the main port. A secret: never logged.
   */
  metricsToken: string | undefined;
  /** Seconds a SIGTERM waits for requests in flight before closing their connections. */
  shutdownTimeout: number;
}

/** Where outgoing mail goes; both undefined when mail is not set up. */
export interface MailSettings {
  /**
   * `smtp://` (STARTTLS when the server offers it) or `smtps://` (TLS from the start) URL of the
   * SMTP server, with credentials if it needs them. A secret: never logged, never echoed in errors.
   */
  smtpUrl: string | undefined;
  /** The From of every message: `address@example.com` or `Name <address@example.com>`. */
  from: string | undefined;
}

/** What people can do for themselves by email. */
export interface PeopleSettings {
  /** Seconds a password-reset link works. */
  resetLinkTtl: number;
  /** Whether people may create their own accounts (it also needs mail). */
  selfRegistration: boolean;
  /** Seconds a registration's verification link works. */
  registrationLinkTtl: number;
  /** How many reset and registration mails are sent, and asked for. */
  mailLimits: MailLimits;
}

/** Limits of the mails anyone can ask for (reset links, registration links); 0 for no limit. */
export interface MailLimits {
  /** Mails to one email address per window. */
  perRecipient: number;
  /** Requests (reset or registration) from one client address per window. */
  perAddress: number;
  /** Seconds of the window. */
  window: number;
}

/** Who administers SSO and how their console sessions last. */
export interface AdminSettings {
  /** Members of this group are administrators. */
  group: string;
  /** Seconds a first-run setup link stays valid. */
  setupLinkTtl: number;
  /** Seconds a console session lasts at most. */
  sessionTtl: number;
  /** Seconds of inactivity after which a console session ends. */
  sessionIdle: number;
  /** For automated installs: the first administrator's username, created at start-up. */
  bootstrapUser: string | undefined;
  /** Where that administrator's password is read from: a file, or `-` for stdin. */
  bootstrapPasswordFile: string | undefined;
}

/** Failed sign-ins and device codes: when to slow down, when to lock out. */
export interface SignInLimits {
  /** Failures of one account from one address before each further one is followed by a wait. */
  delayAfter: number;
  /** The longest wait after a failure, seconds. */
  maxDelay: number;
  /** Failures of one account from one address that lock it there; 0 never locks. */
  lockoutAfter: number;
  /** Seconds a lockout lasts. */
  lockoutDuration: number;
  /** Seconds after the first failure at which an account's failures from an address are forgotten. */
  failureReset: number;
  /** Failed sign-ins from one address (any accounts) per addressWindow that block it; 0 for no limit. */
  addressLimit: number;
  /** Seconds of the per-address window, and of the block that follows. */
  addressWindow: number;
  /** Wrong device codes from one address per deviceCodeWindow that block it; 0 for no limit. */
  deviceCodeLimit: number;
  deviceCodeWindow: number;
}

/** Requests per window at the protocol endpoints; 0 for no limit. */
export interface RateLimits {
  /** Seconds of each window. */
  window: number;
  /** Back-channel requests (token, introspection, revocation, device, PAR) per address. */
  perAddress: number;
  /** Back-channel requests per authenticated client. */
  perClient: number;
  /** Authorization requests per address within one interaction lifetime (bounds pending sign-ins). */
  authorizationsPerAddress: number;
}

/** A configuration value that cannot be used; the message names the variable. */
export class ConfigError extends Error {
  readonly variable: string;
  constructor(variable: string, problem: string) {
    super(`invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

type Env = Readonly<Record<string, string | undefined>>;

interface Setting<T> {
  variable: string;
  fallback: string | undefined;
  parse: (raw: string, variable: string) => T;
}

const durationSetting = (variable: string, fallback: string, min = 1): Setting<number> => ({
  variable,
  fallback,
  parse: (raw) => {
    const seconds = parseDuration(raw);
    if (seconds === undefined || seconds < min) {
      throw new ConfigError(
        variable,
        `must be a duration like 3600, 90s, 15m, 12h or 14d (got "${raw}")`,
      );
    }
    return seconds;
  },
});

const integerSetting = (
  variable: string,
  fallback: string | undefined,
  min: number,
  max: number,
): Setting<number> => ({
  variable,
  fallback,
  parse: (raw) => {
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      throw new ConfigError(
        variable,
        `must be a whole number from ${min} to ${max} (got "${raw}")`,
      );
    }
    return value;
  },
});

const booleanSetting = (variable: string, fallback: string): Setting<boolean> => ({
  variable,
  fallback,
  parse: (raw) => {
    const value = raw.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(value)) return true;
    if (['0', 'false', 'no', 'off', ''].includes(value)) return false;
    throw new ConfigError(variable, `must be true or false (got "${raw}")`);
  },
});

const stringSetting = (variable: string, fallback: string | undefined): Setting<string> => ({
  variable,
  fallback,
  parse: (raw) => {
    if (raw.trim() === '') throw new ConfigError(variable, 'must not be empty');
    return raw.trim();
  },
});

const groupSetting = (variable: string, fallback: string): Setting<string> => ({
  variable,
  fallback,
  parse: (raw) => {
    const group = raw.trim();
    if (!/^[\w.:/@-]{1,128}$/.test(group)) {
      throw new ConfigError(
        variable,
        `must be a group name: 1-128 of letters, digits and . : / @ _ - (got "${raw}")`,
      );
    }
    return group;
  },
});

const groupListSetting = (variable: string): Setting<string[]> => ({
  variable,
  fallback: '',
  parse: (raw) =>
    raw
      .split(',')
      .map((group) => group.trim())
      .filter(Boolean)
      .map((group) => groupSetting(variable, '').parse(group, variable)),
});

const issuerSetting: Setting<string> = {
  variable: 'SSO_ISSUER',
  fallback: undefined,
  parse: (raw, variable) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ConfigError(variable, `must be an absolute http(s) URL (got "${raw}")`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new ConfigError(variable, `must use https (or http for local use) (got "${raw}")`);
    }
    if (url.search || url.hash || url.username || url.password) {
      throw new ConfigError(variable, 'must not contain a query, fragment or credentials');
    }
    return url.href.replace(/\/$/, '');
  },
};

const logLevelSetting: Setting<LogLevel> = {
  variable: 'SSO_LOG_LEVEL',
  fallback: 'info',
  parse: (raw, variable) => {
    const levels: LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];
    if (!levels.includes(raw as LogLevel)) {
      throw new ConfigError(variable, `must be one of ${levels.join(', ')} (got "${raw}")`);
    }
    return raw as LogLevel;
  },
};

const mongodbUriSetting: Setting<string> = {
  variable: 'MONGODB_URI',
  fallback: undefined,
  parse: (raw, variable) => {
    if (!/^mongodb(\+srv)?:\/\/\S+$/.test(raw.trim())) {
      throw new ConfigError(variable, 'must be a mongodb:// or mongodb+srv:// connection string');
    }
    return raw.trim();
  },
};

const sameSiteSetting: Setting<'none' | 'lax'> = {
  variable: 'SSO_COOKIE_SAMESITE',
  fallback: undefined,
  parse: (raw, variable) => {
    const value = raw.trim().toLowerCase();
    if (value === 'none' || value === 'lax') return value;
    throw new ConfigError(variable, `must be none or lax (got "${raw}")`);
  },
};

const hostListSetting: Setting<string[]> = {
  variable: 'SSO_OUTGOING_ALLOWED_HOSTS',
  fallback: '',
  parse: (raw, variable) =>
    raw
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean)
      .map((entry) => {
        try {
          return normalizeHostEntry(entry);
        } catch {
          throw new ConfigError(variable, `must list host or host:port entries (got "${entry}")`);
        }
      }),
};

const masterKeySetting: Setting<string> = {
  variable: 'SSO_MASTER_KEY',
  fallback: undefined,
  parse: (raw, variable) => {
    const key = raw.trim();
    if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(key)) {
      throw new ConfigError(
        variable,
        'must be 32 random bytes in base64; make one with "npm run sso -- keys master-key"',
      );
    }
    return key;
  },
};

const smtpUrlSetting: Setting<string> = {
  variable: 'SSO_SMTP_URL',
  fallback: undefined,
  // The value may hold a password: no message here repeats it.
  parse: (raw, variable) => {
    let url: URL;
    try {
      url = new URL(raw.trim());
    } catch {
      throw new ConfigError(
        variable,
        'must be an smtp:// or smtps:// URL (smtp://user:password@host:587)',
      );
    }
    if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
      throw new ConfigError(
        variable,
        'must be an smtp:// or smtps:// URL (smtp://user:password@host:587)',
      );
    }
    if (!url.hostname || url.hash || (url.pathname && url.pathname !== '/')) {
      throw new ConfigError(variable, 'must name a host and nothing after it but ?options');
    }
    return url.href;
  },
};

const mailFromSetting: Setting<string> = {
  variable: 'SSO_MAIL_FROM',
  fallback: undefined,
  parse: (raw, variable) => {
    const from = raw.trim();
    const address = /<([^<>\s]+)>$/.exec(from)?.[1] ?? from;
    if (!/^[^\s@<>"]{1,64}@[^\s@<>"]{1,255}$/.test(address) || /[\r\n]/.test(from)) {
      throw new ConfigError(
        variable,
        `must be an address, or a name and <address> ("SSO <sso@example.com>") (got "${raw}")`,
      );
    }
    return from;
  },
};

const brandNameSetting: Setting<string> = {
  variable: 'SSO_BRAND_NAME',
  fallback: 'SSO',
  parse: (raw, variable) => {
    const name = raw.trim();
    // eslint-disable-next-line no-control-regex
    if (!name || name.length > 80 || /[\u0000-\u001f\u007f]/.test(name)) {
      throw new ConfigError(variable, `must be 1-80 characters on one line (got "${raw}")`);
    }
    return name;
  },
};

const colorSetting = (variable: string): Setting<string> => ({
  variable,
  fallback: undefined,
  parse: (raw) => {
    const value = raw.trim().toLowerCase();
    const short = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/.exec(value);
    if (short) return `#${short[1]!.repeat(2)}${short[2]!.repeat(2)}${short[3]!.repeat(2)}`;
    if (/^#[0-9a-f]{6}$/.test(value)) return value;
    throw new ConfigError(variable, `must be a hex colour like #0b5394 or #b52 (got "${raw}")`);
  },
});

// A link or image on a page: https anywhere, or an absolute path on SSO's own origin.
const brandUrlSetting = (variable: string): Setting<string> => ({
  variable,
  fallback: undefined,
  parse: (raw) => {
    const value = raw.trim();
    const refuse = () =>
      new ConfigError(
        variable,
        `must be an https:// URL or a path on this server starting with / (got "${raw}")`,
      );
    if (/[\s"'<>\\]/.test(value) || value === '') throw refuse();
    if (value.startsWith('/')) {
      if (value.startsWith('//')) throw refuse();
      return value;
    }
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw refuse();
    }
    if (url.protocol !== 'https:' || url.username || url.password) throw refuse();
    return url.href;
  },
});

// A bearer token for /metrics on the main port: long enough not to be guessed, no whitespace.
function metricsTokenSetting(): Setting<string> {
  return {
    variable: 'SSO_METRICS_TOKEN',
    fallback: undefined,
    parse: (raw, variable) => {
      if (!/^[\x21-\x7e]{32,512}$/.test(raw)) {
        throw new ConfigError(
          variable,
          'must be 32 to 512 printable characters without spaces (e.g. openssl rand -hex 32)',
        );
      }
      return raw;
    },
  };
}

/** Every setting: variable, default, and how it is read. The README documents the same table. */
export const SETTINGS = {
  port: integerSetting('SSO_PORT', '3000', 0, 65535),
  host: stringSetting('SSO_HOST', '0.0.0.0'),
  issuer: issuerSetting,
  dataDir: stringSetting('SSO_DATA_DIR', './data'),
  mongodbUri: mongodbUriSetting,
  trustProxy: booleanSetting('SSO_TRUST_PROXY', 'false'),
  logLevel: logLevelSetting,
  accessLog: booleanSetting('SSO_ACCESS_LOG', 'true'),
  metricsPort: integerSetting('SSO_METRICS_PORT', undefined, 0, 65535),
  metricsHost: stringSetting('SSO_METRICS_HOST', undefined),
  metricsToken: metricsTokenSetting(),
  shutdownTimeout: durationSetting('SSO_SHUTDOWN_TIMEOUT', '25s', 0),
  accessToken: durationSetting('SSO_ACCESS_TOKEN_TTL', '1h'),
  apiAccessToken: durationSetting('SSO_API_ACCESS_TOKEN_TTL', '5m'),
  idToken: durationSetting('SSO_ID_TOKEN_TTL', '1h'),
  refreshToken: durationSetting('SSO_REFRESH_TOKEN_TTL', '14d'),
  authorizationCode: durationSetting('SSO_AUTHORIZATION_CODE_TTL', '60s'),
  clientCredentials: durationSetting('SSO_CLIENT_CREDENTIALS_TTL', '10m'),
  deviceCode: durationSetting('SSO_DEVICE_CODE_TTL', '10m'),
  session: durationSetting('SSO_SESSION_TTL', '14d'),
  grant: durationSetting('SSO_GRANT_TTL', '14d'),
  interaction: durationSetting('SSO_INTERACTION_TTL', '10m'),
  refreshTokenGrace: durationSetting('SSO_REFRESH_TOKEN_GRACE', '10s', 0),
  keyRefreshInterval: durationSetting('SSO_KEY_REFRESH_INTERVAL', '60s'),
  sweepInterval: durationSetting('SSO_SWEEP_INTERVAL', '10m'),
  argon2MemoryKib: integerSetting('SSO_ARGON2_MEMORY_KIB', '19456', 1024, 4194304),
  argon2Iterations: integerSetting('SSO_ARGON2_ITERATIONS', '2', 1, 100),
  argon2Parallelism: integerSetting('SSO_ARGON2_PARALLELISM', '1', 1, 64),
  loginDelayAfter: integerSetting('SSO_LOGIN_DELAY_AFTER', '3', 0, 1000),
  loginMaxDelay: durationSetting('SSO_LOGIN_MAX_DELAY', '60s'),
  loginLockoutAfter: integerSetting('SSO_LOGIN_LOCKOUT_AFTER', '10', 0, 1000),
  loginLockoutDuration: durationSetting('SSO_LOGIN_LOCKOUT_DURATION', '15m'),
  loginFailureReset: durationSetting('SSO_LOGIN_FAILURE_RESET', '1h'),
  loginAddressLimit: integerSetting('SSO_LOGIN_ADDRESS_LIMIT', '100', 0, 1_000_000),
  loginAddressWindow: durationSetting('SSO_LOGIN_ADDRESS_WINDOW', '1h'),
  deviceCodeLimit: integerSetting('SSO_DEVICE_CODE_LIMIT', '10', 0, 1_000_000),
  deviceCodeWindow: durationSetting('SSO_DEVICE_CODE_WINDOW', '15m'),
  rateLimitWindow: durationSetting('SSO_RATE_LIMIT_WINDOW', '1m'),
  rateLimitPerAddress: integerSetting('SSO_RATE_LIMIT_PER_ADDRESS', '600', 0, 100_000_000),
  rateLimitPerClient: integerSetting('SSO_RATE_LIMIT_PER_CLIENT', '1200', 0, 100_000_000),
  authorizationsPerAddress: integerSetting('SSO_AUTHORIZATIONS_PER_ADDRESS', '100', 0, 100_000_000),
  auditRetention: durationSetting('SSO_AUDIT_RETENTION', '90d'),
  masterKey: masterKeySetting,
  masterKeyFile: stringSetting('SSO_MASTER_KEY_FILE', undefined),
  cookieSameSite: sameSiteSetting,
  outgoingAllowedHosts: hostListSetting,
  adminGroup: groupSetting('SSO_ADMIN_GROUP', 'sso-admins'),
  mfaGroups: groupListSetting('SSO_MFA_GROUPS'),
  setupLinkTtl: durationSetting('SSO_SETUP_LINK_TTL', '30m'),
  adminSessionTtl: durationSetting('SSO_ADMIN_SESSION_TTL', '8h', 60),
  adminSessionIdle: durationSetting('SSO_ADMIN_SESSION_IDLE', '30m', 60),
  bootstrapAdmin: stringSetting('SSO_BOOTSTRAP_ADMIN', undefined),
  bootstrapAdminPasswordFile: stringSetting('SSO_BOOTSTRAP_ADMIN_PASSWORD_FILE', undefined),
  smtpUrl: smtpUrlSetting,
  mailFrom: mailFromSetting,
  resetLinkTtl: durationSetting('SSO_RESET_LINK_TTL', '30m'),
  selfRegistration: booleanSetting('SSO_SELF_REGISTRATION', 'false'),
  registrationLinkTtl: durationSetting('SSO_REGISTRATION_LINK_TTL', '24h'),
  mailRecipientLimit: integerSetting('SSO_MAIL_RECIPIENT_LIMIT', '3', 0, 1_000_000),
  mailAddressLimit: integerSetting('SSO_MAIL_ADDRESS_LIMIT', '20', 0, 1_000_000),
  mailLimitWindow: durationSetting('SSO_MAIL_LIMIT_WINDOW', '1h'),
  brandName: brandNameSetting,
  brandLogoUrl: brandUrlSetting('SSO_BRAND_LOGO_URL'),
  brandPrimaryColor: colorSetting('SSO_BRAND_PRIMARY_COLOR'),
  brandHelpUrl: brandUrlSetting('SSO_BRAND_HELP_URL'),
  brandPrivacyUrl: brandUrlSetting('SSO_BRAND_PRIVACY_URL'),
  brandTermsUrl: brandUrlSetting('SSO_BRAND_TERMS_URL'),
} as const;

function read<T>(env: Env, setting: Setting<T>): T | undefined {
  const raw = env[setting.variable] ?? setting.fallback;
  return raw === undefined ? undefined : setting.parse(raw, setting.variable);
}

function need<T>(env: Env, setting: Setting<T>): T {
  const value = read(env, setting);
  if (value === undefined) throw new ConfigError(setting.variable, 'is required');
  return value;
}

/** Reads, validates and freezes the configuration; throws ConfigError naming the bad variable. */
export function loadConfig(env: Env): Readonly<Config> {
  const port = need(env, SETTINGS.port);
  const issuer = read(env, SETTINGS.issuer) ?? `http://localhost:${port}`;
  const config: Config = {
    issuer,
    basePath: new URL(issuer).pathname.replace(/\/$/, ''),
    host: need(env, SETTINGS.host),
    port,
    dataDir: need(env, SETTINGS.dataDir),
    mongodbUri: read(env, SETTINGS.mongodbUri),
    trustProxy: need(env, SETTINGS.trustProxy),
    logLevel: need(env, SETTINGS.logLevel),
    accessLog: need(env, SETTINGS.accessLog),
    ops: {
      metricsPort: read(env, SETTINGS.metricsPort),
      metricsHost: read(env, SETTINGS.metricsHost) ?? need(env, SETTINGS.host),
      metricsToken: read(env, SETTINGS.metricsToken),
      shutdownTimeout: need(env, SETTINGS.shutdownTimeout),
    },
    ttl: {
      accessToken: need(env, SETTINGS.accessToken),
      apiAccessToken: need(env, SETTINGS.apiAccessToken),
      idToken: need(env, SETTINGS.idToken),
      refreshToken: need(env, SETTINGS.refreshToken),
      authorizationCode: need(env, SETTINGS.authorizationCode),
      clientCredentials: need(env, SETTINGS.clientCredentials),
      deviceCode: need(env, SETTINGS.deviceCode),
      session: need(env, SETTINGS.session),
      grant: need(env, SETTINGS.grant),
      interaction: need(env, SETTINGS.interaction),
    },
    refreshTokenGrace: need(env, SETTINGS.refreshTokenGrace),
    keyRefreshInterval: need(env, SETTINGS.keyRefreshInterval),
    sweepInterval: need(env, SETTINGS.sweepInterval),
    argon2: {
      memoryKib: need(env, SETTINGS.argon2MemoryKib),
      iterations: need(env, SETTINGS.argon2Iterations),
      parallelism: need(env, SETTINGS.argon2Parallelism),
    },
    signIn: {
      delayAfter: need(env, SETTINGS.loginDelayAfter),
      maxDelay: need(env, SETTINGS.loginMaxDelay),
      lockoutAfter: need(env, SETTINGS.loginLockoutAfter),
      lockoutDuration: need(env, SETTINGS.loginLockoutDuration),
      failureReset: need(env, SETTINGS.loginFailureReset),
      addressLimit: need(env, SETTINGS.loginAddressLimit),
      addressWindow: need(env, SETTINGS.loginAddressWindow),
      deviceCodeLimit: need(env, SETTINGS.deviceCodeLimit),
      deviceCodeWindow: need(env, SETTINGS.deviceCodeWindow),
    },
    rateLimits: {
      window: need(env, SETTINGS.rateLimitWindow),
      perAddress: need(env, SETTINGS.rateLimitPerAddress),
      perClient: need(env, SETTINGS.rateLimitPerClient),
      authorizationsPerAddress: need(env, SETTINGS.authorizationsPerAddress),
    },
    auditRetention: need(env, SETTINGS.auditRetention),
    masterKey: read(env, SETTINGS.masterKey),
    masterKeyFile: read(env, SETTINGS.masterKeyFile),
    cookieSameSite: cookieSameSite(env, issuer),
    outgoingAllowedHosts: need(env, SETTINGS.outgoingAllowedHosts),
    mfaGroups: need(env, SETTINGS.mfaGroups),
    admin: {
      group: need(env, SETTINGS.adminGroup),
      setupLinkTtl: need(env, SETTINGS.setupLinkTtl),
      sessionTtl: need(env, SETTINGS.adminSessionTtl),
      sessionIdle: need(env, SETTINGS.adminSessionIdle),
      bootstrapUser: read(env, SETTINGS.bootstrapAdmin),
      bootstrapPasswordFile: read(env, SETTINGS.bootstrapAdminPasswordFile),
    },
    mail: { smtpUrl: read(env, SETTINGS.smtpUrl), from: read(env, SETTINGS.mailFrom) },
    people: {
      resetLinkTtl: need(env, SETTINGS.resetLinkTtl),
      selfRegistration: need(env, SETTINGS.selfRegistration),
      registrationLinkTtl: need(env, SETTINGS.registrationLinkTtl),
      mailLimits: {
        perRecipient: need(env, SETTINGS.mailRecipientLimit),
        perAddress: need(env, SETTINGS.mailAddressLimit),
        window: need(env, SETTINGS.mailLimitWindow),
      },
    },
    brand: {
      name: need(env, SETTINGS.brandName),
      logoUrl: read(env, SETTINGS.brandLogoUrl),
      primaryColor: read(env, SETTINGS.brandPrimaryColor),
      helpUrl: read(env, SETTINGS.brandHelpUrl),
      privacyUrl: read(env, SETTINGS.brandPrivacyUrl),
      termsUrl: read(env, SETTINGS.brandTermsUrl),
    },
  };
  if (config.mail.smtpUrl !== undefined && config.mail.from === undefined) {
    throw new ConfigError(
      SETTINGS.mailFrom.variable,
      'is required with SSO_SMTP_URL (the From of the mails SSO sends: "SSO <sso@example.com>")',
    );
  }
  if (
    config.admin.bootstrapUser !== undefined &&
    config.admin.bootstrapPasswordFile === undefined
  ) {
    throw new ConfigError(
      SETTINGS.bootstrapAdminPasswordFile.variable,
      'is required with SSO_BOOTSTRAP_ADMIN (a file holding the password, or - for stdin)',
    );
  }
  return deepFreeze(config);
}

// SameSite=None (like Keycloak's session cookies) where the issuer is https; browsers drop a
// SameSite=None cookie that is not Secure, so an http issuer gets Lax and cannot be set to None.
function cookieSameSite(env: Env, issuer: string): 'none' | 'lax' {
  const https = new URL(issuer).protocol === 'https:';
  const chosen = read(env, SETTINGS.cookieSameSite) ?? (https ? 'none' : 'lax');
  if (chosen === 'none' && !https) {
    throw new ConfigError(
      SETTINGS.cookieSameSite.variable,
      'can be none only with an https issuer (browsers refuse SameSite=None cookies that are not Secure)',
    );
  }
  return chosen;
}

function deepFreeze<T extends object>(value: T): Readonly<T> {
  for (const member of Object.values(value)) {
    if (member && typeof member === 'object') deepFreeze(member as object);
  }
  return Object.freeze(value);
}
