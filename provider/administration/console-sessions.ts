// Sessions of SSO's own signed-in pages (the admin console, the account page), kept in the store as
// Ticket records: shared by every instance and
// removed with their account (disabling or removing an administrator ends them). A session ends
// after SSO_ADMIN_SESSION_IDLE without use, after SSO_ADMIN_SESSION_TTL in all, and as soon as the
// console's grant at SSO ends: when the person signs out of SSO, is signed out everywhere, or is
// disabled. Each carries the CSRF token its forms must send back.
import { randomBytes } from 'node:crypto';
import type { Store } from '../../adapters/store.ts';
import type { AdminSettings } from '../config.ts';

/** A signed-in administrator's console session. */
export interface ConsoleSession {
  id: string;
  accountId: string;
  /** The console's grant at SSO: the session lives only as long as it does. */
  grantId: string;
  /** For the end-session request at logout. */
  idToken: string;
  /** The token every form of this session sends back. */
  csrf: string;
  createdAt: number;
  seenAt: number;
}

// How often seenAt is written (a write per request would be wasteful).
const SEEN_RESOLUTION_MS = 60_000;

/** Console sessions over the store. */
export class ConsoleSessions {
  readonly #store: Store;
  readonly #settings: Readonly<Pick<AdminSettings, 'sessionIdle' | 'sessionTtl'>>;
  readonly #clock: () => number;
  readonly #kind: string;

  /**
   * `clock`: milliseconds since the epoch, for the idle and total lifetimes (tests move it);
   * `kind`: which pages these sessions are for (each kind its own namespace).
   */
  constructor(
    store: Store,
    settings: Readonly<Pick<AdminSettings, 'sessionIdle' | 'sessionTtl'>>,
    clock: () => number = Date.now,
    kind = 'console',
  ) {
    this.#store = store;
    this.#settings = settings;
    this.#clock = clock;
    this.#kind = kind;
  }

  /**
   * Starts a session for the person who signed in with `accessToken` (the console's opaque access
   * token, whose record names the grant); undefined when that token is not live.
   */
  async start(fields: {
    accountId: string;
    accessToken: string;
    idToken: string;
  }): Promise<ConsoleSession | undefined> {
    const token = await this.#store.oidc.find('AccessToken', fields.accessToken);
    if (typeof token?.grantId !== 'string' || token.accountId !== fields.accountId)
      return undefined;
    const now = this.#clock();
    const session: ConsoleSession = {
      id: randomBytes(24).toString('base64url'),
      csrf: randomBytes(24).toString('base64url'),
      accountId: fields.accountId,
      grantId: token.grantId,
      idToken: fields.idToken,
      createdAt: now,
      seenAt: now,
    };
    await this.#save(session);
    return session;
  }

  /** The live session `id`, marked as used now; undefined (and removed) when it has ended. */
  async find(id: string): Promise<ConsoleSession | undefined> {
    if (!/^[\w-]{32}$/.test(id)) return undefined;
    const record = await this.#store.oidc.find('Ticket', this.#ticketId(id));
    const session = record?.kind === this.#kind ? (record.session as ConsoleSession) : undefined;
    if (!record || !session) return undefined;
    const now = this.#clock();
    const alive =
      now - session.seenAt < this.#settings.sessionIdle * 1000 &&
      now - session.createdAt < this.#settings.sessionTtl * 1000 &&
      (await this.#store.oidc.find('Grant', session.grantId)) !== undefined;
    if (!alive) {
      await this.#store.oidc.destroy('Ticket', this.#ticketId(id));
      return undefined;
    }
    if (now - session.seenAt > SEEN_RESOLUTION_MS) {
      session.seenAt = now;
      await this.#save(session);
    }
    return session;
  }

  /** Ends the session `id`. */
  async end(id: string): Promise<void> {
    await this.#store.oidc.destroy('Ticket', this.#ticketId(id));
  }

  #ticketId(id: string): string {
    return `${this.#kind}:${id}`;
  }

  async #save(session: ConsoleSession): Promise<void> {
    const left = Math.min(
      session.seenAt + this.#settings.sessionIdle * 1000,
      session.createdAt + this.#settings.sessionTtl * 1000,
    );
    const expiresIn = Math.max(1, Math.ceil((left - this.#clock()) / 1000));
    await this.#store.oidc.upsert(
      'Ticket',
      this.#ticketId(session.id),
      { kind: this.#kind, accountId: session.accountId, session },
      expiresIn,
    );
  }
}
