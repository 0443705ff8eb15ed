// The first administrator. While no account is in the admin group, every start makes a one-time
// setup link (valid for SSO_SETUP_LINK_TTL, single use, only while there is still no administrator)
// where the first administrator chooses a username and password; automated installs set
// SSO_BOOTSTRAP_ADMIN and SSO_BOOTSTRAP_ADMIN_PASSWORD_FILE instead. There is no default password.
// Only a hash of each link's token is stored, so a copy of the store opens nothing.
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Store } from '../../adapters/store.ts';
import type { Accounts } from '../accounts/accounts.ts';
import type { AuditLog } from '../audit/audit.ts';
import { ConfigError, type AdminSettings } from '../config.ts';
import { ForbiddenError, ValidationError } from '../errors.ts';
import { ADMIN_PATH } from './system.ts';

/** What the first start did about the first administrator. */
export type FirstRunOutcome =
  | { kind: 'has-administrator' }
  | { kind: 'bootstrapped'; username: string }
  | { kind: 'setup-link'; url: string; expiresAt: number };

/** The first administrator: whether there is one, setup links, and the automated bootstrap. */
export class FirstRun {
  readonly #store: Store;
  readonly #accounts: Accounts;
  readonly #audit: AuditLog;
  readonly #settings: Readonly<AdminSettings>;
  readonly #issuer: string;

  constructor(
    store: Store,
    accounts: Accounts,
    audit: AuditLog,
    settings: Readonly<AdminSettings>,
    issuer: string,
  ) {
    this.#store = store;
    this.#accounts = accounts;
    this.#audit = audit;
    this.#settings = settings;
    this.#issuer = issuer;
  }

  /** Whether some account is an administrator (enabled or not). */
  async hasAdministrator(): Promise<boolean> {
    return (await this.#accounts.page({ group: this.#settings.group, limit: 1 })).length > 0;
  }

  /**
   * At start-up: nothing when there is an administrator; else the bootstrap administrator when
   * configured; else a new setup link.
   */
  async atStart(): Promise<FirstRunOutcome> {
    if (await this.hasAdministrator()) return { kind: 'has-administrator' };
    const { bootstrapUser, bootstrapPasswordFile } = this.#settings;
    if (bootstrapUser !== undefined && bootstrapPasswordFile !== undefined) {
      const password = await readPassword(bootstrapPasswordFile);
      await this.#createAdministrator(bootstrapUser, password, 'bootstrap');
      return { kind: 'bootstrapped', username: bootstrapUser.trim().toLowerCase() };
    }
    return this.newSetupLink();
  }

  /** A new one-time setup link. */
  async newSetupLink(): Promise<FirstRunOutcome & { kind: 'setup-link' }> {
    const token = randomBytes(32).toString('base64url');
    const ttl = this.#settings.setupLinkTtl;
    await this.#store.oidc.upsert('Ticket', ticketId(token), { kind: 'setup' }, ttl);
    return {
      kind: 'setup-link',
      url: `${this.#issuer}${ADMIN_PATH}/setup?token=${token}`,
      expiresAt: Date.now() + ttl * 1000,
    };
  }

  /** Whether `token` is a setup link that can still be used. */
  async isUsable(token: string): Promise<boolean> {
    if (!/^[\w-]{43}$/.test(token)) return false;
    const ticket = await this.#store.oidc.find('Ticket', ticketId(token));
    return (
      ticket?.kind === 'setup' && ticket.consumed === undefined && !(await this.hasAdministrator())
    );
  }

  /**
   * Creates the first administrator with the link `token`: the input is checked first, then the
   * link is spent (exactly one use), then the account created. ForbiddenError when the link is not
   * usable (used, expired, unknown, or an administrator exists); ValidationError for bad input.
   */
  async complete(token: string, username: string, password: string, ip?: string): Promise<string> {
    if (!(await this.isUsable(token))) {
      throw new ForbiddenError(
        'this setup link has been used, has expired, or is not needed any more',
      );
    }
    this.#accounts.check({ username }, password);
    const existing = await this.#accounts.findByLogin(username);
    if (existing) throw new ValidationError('username', `user "${username}" already exists`);
    if (!(await this.#store.oidc.consume('Ticket', ticketId(token)))) {
      throw new ForbiddenError(
        'this setup link has been used, has expired, or is not needed any more',
      );
    }
    return this.#createAdministrator(username, password, 'setup link', ip);
  }

  async #createAdministrator(username: string, password: string, how: string, ip?: string) {
    this.#accounts.check({ username }, password);
    const existing = await this.#accounts.findByLogin(username);
    if (existing) {
      throw new ConfigError(
        'SSO_BOOTSTRAP_ADMIN',
        `names the existing user "${existing.username}", who is not an administrator; add them to the group ${this.#settings.group} with "sso users update" instead`,
      );
    }
    const account = await this.#accounts.create(
      { username, groups: [this.#settings.group] },
      password,
    );
    await this.#audit.record({
      type: 'user.create',
      actor: 'first-run',
      username: account.username,
      accountId: account.id,
      ...(ip !== undefined ? { ip } : {}),
      details: { administrator: true, how },
    });
    return account.username;
  }
}

function ticketId(token: string): string {
  return `setup:${createHash('sha256').update(token).digest('base64url')}`;
}

// The first line of the file, or of stdin for `-`.
async function readPassword(file: string): Promise<string> {
  let text: string;
  try {
    text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      'SSO_BOOTSTRAP_ADMIN_PASSWORD_FILE',
      `cannot be read (${(error as { code?: string }).code ?? 'error'})`,
    );
  }
  const line = text.split(/\r?\n/)[0] ?? '';
  if (!line) throw new ConfigError('SSO_BOOTSTRAP_ADMIN_PASSWORD_FILE', 'holds no password');
  return line;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
