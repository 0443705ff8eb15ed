// Self-registration (SSO_SELF_REGISTRATION, off by default; it needs mail). Someone gives a
// username, an email address and a password; what breaks a rule (a malformed username, a common
// password) is told at once, since that says nothing about anyone else. Everything else happens in
// the background and the answer is always "check your email": an address that is free gets a
// single-use verification link, an address that already has an account gets a note saying so (with
// the way to reset its password), so the page never tells whether an address is registered. The
// pending registration is a Ticket holding the argon2id hash, never the password; the account is
// created only when the link is followed, with the address verified. A username or address taken
// by then is told on that page.
import { StoreConflictError, type Account, type Store } from '../../adapters/store.ts';
import type { Accounts, CheckedPasswordHash } from '../accounts/accounts.ts';
import type { AuditLog } from '../audit/audit.ts';
import type { BackgroundWork } from '../background.ts';
import { spokenDuration } from '../durations.ts';
import type { Logger } from '../log.ts';
import { MailDeliveryError } from '../mail/errors.ts';
import type { Mailer, MailMessage } from '../mail/mailer.ts';
import { renderMail, type MailBrand } from '../mail/templates.ts';
import { ValidationError } from '../errors.ts';
import { addressKey } from '../security/client-address.ts';
import type { MailLimits } from '../security/mail-limits.ts';
import { findLink, spendLink, storeLink, type LiveTicket } from './link-tickets.ts';
import { isDead, type DeadLink } from './link-state.ts';
import { PEOPLE_PATHS } from './paths.ts';

const KIND = 'register';

export interface RegistrationDeps {
  store: Store;
  accounts: Accounts;
  audit: AuditLog;
  mailer: Mailer;
  limits: MailLimits;
  background: BackgroundWork;
  log: Logger;
  issuer: string;
  /** Who the mails come from. */
  brand: MailBrand;
  /** Whether registration is offered at all (SSO_SELF_REGISTRATION). */
  offered: boolean;
  /** Seconds a verification link works. */
  linkTtl: number;
}

/** What someone registers with. */
export interface RegistrationInput {
  username: string;
  email: string;
  password: string;
}

/** A verification link that can be used: the account it would create. */
export interface PendingRegistration {
  state: 'pending';
  username: string;
  email: string;
  ticket: LiveTicket;
}

/** The outcome of following a verification link. */
export type CompletedRegistration =
  | { state: 'created'; account: Account }
  /** The username or the address got an account since the registration: nothing was created. */
  | { state: 'taken'; field: 'username' | 'email'; username: string };

/** Registrations: asked for, mailed, checked, completed. */
export class Registration {
  readonly #deps: RegistrationDeps;

  constructor(deps: RegistrationDeps) {
    this.#deps = deps;
  }

  /** Whether SSO_SELF_REGISTRATION turned registration on. */
  get offered(): boolean {
    return this.#deps.offered;
  }

  /** Whether registration works here: offered, and mail set up. */
  get enabled(): boolean {
    return this.#deps.offered && this.#deps.mailer.configured;
  }

  /** How long a verification link works, in words ("24 hours"). */
  get validFor(): string {
    return spokenDuration(this.#deps.linkTtl);
  }

  /** Seconds a link works. */
  get linkTtl(): number {
    return this.#deps.linkTtl;
  }

  /**
   * Someone at `address` registers `input`: ValidationError for input that breaks a rule (told
   * before anything is counted or looked up); the seconds to wait when the address asked too
   * often; else undefined, and the mail goes out in the background.
   */
  async request(input: RegistrationInput, address: string): Promise<number | undefined> {
    const { accounts, limits, audit, background } = this.#deps;
    if (!input.email.trim()) throw new ValidationError('email', 'an email address is needed');
    accounts.check({ username: input.username, email: input.email }, input.password);
    const username = input.username.trim().toLowerCase();
    const retryAfter = await limits.request(addressKey(address));
    if (retryAfter !== undefined) {
      await audit.record(
        {
          type: 'registration.request',
          username,
          ip: address,
          details: { outcome: 'address_limited' },
        },
        { keep: false },
      );
      return retryAfter;
    }
    const email = input.email.trim().toLowerCase();
    background.run('registration request', () =>
      this.#fulfil({ username, email, password: input.password }, address),
    );
    return undefined;
  }

  /** What the verification link `token` is worth now. */
  async check(token: unknown): Promise<PendingRegistration | DeadLink> {
    const ticket = await findLink(this.#deps.store, KIND, token);
    if (isDead(ticket)) return ticket;
    const { username, email } = ticket.payload;
    if (typeof username !== 'string' || typeof email !== 'string') return { state: 'unknown' };
    return { state: 'pending', username, email, ticket };
  }

  /** Creates the account of the verification link `token`, followed from `address`. */
  async complete(token: unknown, address: string): Promise<CompletedRegistration | DeadLink> {
    const { store, accounts, audit } = this.#deps;
    const pending = await this.check(token);
    if (isDead(pending)) return pending;
    // Spent, the ticket (and the hash it held) is gone from the store; the hash is kept here.
    if (!(await spendLink(store, pending.ticket))) return { state: 'used' };
    const { username, email } = pending;
    // The hash came from Accounts.hashNewPassword when the registration was made (see #fulfil).
    const hash = pending.ticket.payload.passwordHash as CheckedPasswordHash;
    let outcome: CompletedRegistration;
    try {
      const account = await accounts.createWithHash({ username, email, emailVerified: true }, hash);
      outcome = { state: 'created', account };
    } catch (error) {
      if (!(error instanceof StoreConflictError)) throw error;
      outcome = { state: 'taken', field: error.field === 'email' ? 'email' : 'username', username };
    }
    await audit.record(
      outcome.state === 'created'
        ? {
            type: 'user.register',
            actor: `account:${outcome.account.id}`,
            username: outcome.account.username,
            accountId: outcome.account.id,
            ip: address,
          }
        : {
            type: 'registration.request',
            username,
            ip: address,
            details: { outcome: `${outcome.field}_taken_at_verification` },
          },
    );
    return outcome;
  }

  // The background half of a request: the verification link, or the note that the address has an
  // account already; nothing once the address had its share of mails.
  async #fulfil(input: RegistrationInput, address: string): Promise<void> {
    const { accounts, limits, audit, store, issuer, linkTtl } = this.#deps;
    const site = new URL(issuer).host;
    let outcome: string;
    if (!(await limits.mayMail(input.email))) {
      outcome = 'recipient_limited';
    } else {
      const existing = await accounts.findByLogin(input.email);
      let message: MailMessage;
      let ticketId: string | undefined;
      if (existing) {
        outcome = 'email_taken';
        message = await renderMail('registration-exists', input.email, {
          site,
          brand: this.#deps.brand,
          username: existing.username,
          resetLink: `${issuer}${PEOPLE_PATHS.forgot}`,
        });
      } else {
        outcome = 'sent';
        const passwordHash = await accounts.hashNewPassword(input.password);
        const link = await storeLink(
          store,
          KIND,
          { username: input.username, email: input.email, passwordHash },
          linkTtl,
        );
        ticketId = link.ticketId;
        message = await renderMail('registration-verify', input.email, {
          site,
          brand: this.#deps.brand,
          username: input.username,
          link: `${issuer}${PEOPLE_PATHS.verify}?token=${link.token}`,
          validFor: this.validFor,
        });
      }
      if (!(await this.#deliver(message, ticketId))) outcome = 'delivery_failed';
    }
    await audit.record({
      type: 'registration.request',
      username: input.username,
      ip: address,
      details: { outcome },
    });
  }

  // Sends `message`; on failure logs it, drops the pending registration `ticketId`, answers false.
  async #deliver(message: MailMessage, ticketId: string | undefined): Promise<boolean> {
    try {
      await this.#deps.mailer.send(message);
      return true;
    } catch (error) {
      if (!(error instanceof MailDeliveryError)) throw error;
      this.#deps.log.warn('mail delivery failed', { mail: 'registration', ...error.details });
      if (ticketId) await this.#deps.store.oidc.destroy('Ticket', ticketId);
      return false;
    }
  }
}
