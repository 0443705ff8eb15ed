// Password reset by email. Someone asks on the sign-in page with a username or email; the answer
// is the same whatever that names, and comes before anything is looked up: the lookup and the mail
// happen in the background (background.ts), so neither the page nor its timing tells whether an
// account exists. An enabled account with an email address gets a single-use link (links.ts) valid
// for SSO_RESET_LINK_TTL, unless its address has had its share of mails (mail-limits.ts).
// Administrators send the same link, at once and told whether it went. Setting a password with a
// link ends every session, grant and token of the account (applications with back-channel logout
// are told) and with them every other outstanding link, since the account's tickets go too.
import type { Account, Store } from '../../adapters/store.ts';
import type { Accounts } from '../accounts/accounts.ts';
import type { AuditLog } from '../audit/audit.ts';
import type { BackgroundWork } from '../background.ts';
import type { Logger } from '../log.ts';
import { MailDeliveryError, MailNotConfiguredError } from '../mail/errors.ts';
import type { Mailer } from '../mail/mailer.ts';
import { renderMail, type MailBrand } from '../mail/templates.ts';
import { spokenDuration } from '../durations.ts';
import { addressKey } from '../security/client-address.ts';
import type { MailLimits } from '../security/mail-limits.ts';
import type { Sessions, SignOutResult } from '../sessions/sessions.ts';
import { ValidationError } from '../errors.ts';
import { findLink, spendLink, storeLink, type LiveTicket } from './link-tickets.ts';
import { isDead, type DeadLink } from './link-state.ts';
import { PEOPLE_PATHS } from './paths.ts';

const KIND = 'reset';
const FEATURE = 'Password reset by email';

export interface PasswordResetDeps {
  store: Store;
  accounts: Accounts;
  sessions: Sessions;
  audit: AuditLog;
  mailer: Mailer;
  limits: MailLimits;
  background: BackgroundWork;
  log: Logger;
  issuer: string;
  /** Who the mails come from. */
  brand: MailBrand;
  /** Seconds a link works. */
  linkTtl: number;
}

/** A link that can be used, with its account. */
export interface UsableReset {
  state: 'usable';
  account: Account;
  ticket: LiveTicket;
}

/** A password set with a link. */
export interface DoneReset {
  state: 'done';
  account: Account;
  signedOut: SignOutResult;
}

/** Reset links: asked for, sent, checked, used. */
export class PasswordReset {
  readonly #deps: PasswordResetDeps;

  constructor(deps: PasswordResetDeps) {
    this.#deps = deps;
  }

  /** Whether reset by email is on here (it needs a mail server). */
  get enabled(): boolean {
    return this.#deps.mailer.configured;
  }

  /** How long a link works, in words ("30 minutes"). */
  get validFor(): string {
    return spokenDuration(this.#deps.linkTtl);
  }

  /** Seconds a link works. */
  get linkTtl(): number {
    return this.#deps.linkTtl;
  }

  /**
   * Someone at `address` asked for a link for `login`: counted against the address (the seconds to
   * wait are answered when it asked too often), then looked up and mailed in the background. The
   * answer never depends on the account.
   */
  async request(login: string, address: string): Promise<number | undefined> {
    const typed = login.trim().toLowerCase().slice(0, 256);
    const retryAfter = await this.#deps.limits.request(addressKey(address));
    if (retryAfter !== undefined) {
      // Logged, not stored: refused requests cost nothing to send.
      await this.#deps.audit.record(
        {
          type: 'password.reset.request',
          username: typed,
          ip: address,
          details: { outcome: 'address_limited' },
        },
        { keep: false },
      );
      return retryAfter;
    }
    this.#deps.background.run('password reset request', () => this.#fulfil(typed, address));
    return undefined;
  }

  /**
   * Sends `account` a link now, for an administrator: MailNotConfiguredError without a mail
   * server, ValidationError for an account that cannot get one (disabled, no email address),
   * MailDeliveryError when the mail server does not take it. Answers where it went and until when
   * it works (epoch ms).
   */
  async sendByAdministrator(account: Account): Promise<{ email: string; expiresAt: number }> {
    if (!this.enabled) throw new MailNotConfiguredError(FEATURE);
    if (account.disabled) {
      throw new ValidationError(
        'user',
        `user "${account.username}" is disabled: enable them first`,
      );
    }
    if (!account.email) {
      throw new ValidationError('email', `user "${account.username}" has no email address`);
    }
    const expiresAt = await this.#send(account, account.email, true);
    return { email: account.email, expiresAt };
  }

  /** What the link `token` is worth now. */
  async check(token: unknown): Promise<UsableReset | DeadLink> {
    const ticket = await findLink(this.#deps.store, KIND, token);
    if (isDead(ticket)) return ticket;
    const { accountId, email } = ticket.payload;
    const account =
      typeof accountId === 'string' ? await this.#deps.accounts.get(accountId) : undefined;
    // Sent to an address the account no longer has, or for an account that cannot sign in now.
    if (!account || account.disabled || account.email !== email) return { state: 'unknown' };
    return { state: 'usable', account, ticket };
  }

  /**
   * Sets `password` with the link `token`, from `address`: ValidationError when the password breaks
   * the policy (the link stays usable then); the link's state when it cannot be used; else the
   * account, signed out everywhere.
   */
  async complete(token: unknown, password: string, address: string): Promise<DoneReset | DeadLink> {
    const { store, accounts, sessions, audit } = this.#deps;
    const usable = await this.check(token);
    if (isDead(usable)) return usable;
    const hash = await accounts.hashNewPassword(password);
    if (!(await spendLink(store, usable.ticket))) return { state: 'used' };
    let saved = usable.account;
    const signedOut = await sessions.signOutEverywhere(usable.account.id, async () => {
      saved = await accounts.setPasswordHash(usable.account.username, hash);
      // Sessions, grants, tokens and every ticket of the account: its other reset links too.
      await store.oidc.destroyByAccountId(usable.account.id);
    });
    await audit.record({
      type: 'password.reset',
      username: saved.username,
      accountId: saved.id,
      ip: address,
      details: {
        sessions: signedOut.sessions,
        notified: signedOut.notified.join(' '),
        ...(signedOut.failed.length ? { failed: signedOut.failed.join(' ') } : {}),
      },
    });
    return { state: 'done', account: saved, signedOut };
  }

  // The background half of a request: who `typed` names, and the mail if one is due.
  async #fulfil(typed: string, address: string): Promise<void> {
    const { accounts, limits, audit } = this.#deps;
    const account = await accounts.findByLogin(typed);
    let outcome: string;
    if (!account) outcome = 'unknown_user';
    else if (account.disabled) outcome = 'disabled';
    else if (!account.email) outcome = 'no_email';
    else if (!(await limits.mayMail(account.email))) outcome = 'recipient_limited';
    else {
      try {
        await this.#send(account, account.email, false);
        outcome = 'sent';
      } catch (error) {
        if (!(error instanceof MailDeliveryError)) throw error;
        outcome = 'delivery_failed';
      }
    }
    await audit.record({
      type: 'password.reset.request',
      username: account?.username ?? typed,
      ...(account ? { accountId: account.id } : {}),
      ip: address,
      details: { outcome },
    });
  }

  // Stores a new link for `account` and mails it to `email`; answers its expiry. A link whose mail
  // did not go is removed again.
  async #send(account: Account, email: string, byAdministrator: boolean): Promise<number> {
    const { store, mailer, log, issuer, linkTtl } = this.#deps;
    const link = await storeLink(store, KIND, { accountId: account.id, email }, linkTtl);
    const message = await renderMail('password-reset', email, {
      site: new URL(issuer).host,
      brand: this.#deps.brand,
      name: account.name ?? account.username,
      username: account.username,
      link: `${issuer}${PEOPLE_PATHS.reset}?token=${link.token}`,
      validFor: this.validFor,
      byAdministrator,
    });
    try {
      await mailer.send(message);
    } catch (error) {
      await store.oidc.destroy('Ticket', link.ticketId);
      if (error instanceof MailDeliveryError) {
        log.warn('mail delivery failed', {
          mail: 'password-reset',
          accountId: account.id,
          ...error.details,
        });
      }
      throw error;
    }
    return link.expiresAt;
  }
}
