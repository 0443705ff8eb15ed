// Limits of the mails anyone can make SSO send (password-reset and registration links), with
// rate-limiter-flexible over the store's counters like the sign-in guard, so every instance shares
// them:
//
// - per client address: `perAddress` requests (reset or registration) per window; more are
//   refused with 429 and Retry-After. Keyed on the address only, a refusal tells nothing about any
//   account.
// - per recipient: `perRecipient` mails to one email address per window; past that the request
//   gets the same answer as any other and no mail is sent, so nobody can flood a mailbox or learn
//   from the answer whether the address is known. The key is a hash of the address.
//
// Administrators' sends are not counted.
import { createHash } from 'node:crypto';
import type { Store } from '../../adapters/store.ts';
import type { MailLimits as Limits } from '../config.ts';
import { isLimitReached, retryAfterSeconds, StoreRateLimiter } from './store-limiter.ts';

const ADDRESS = 'mail-address';
const RECIPIENT = 'mail-recipient';

/** The limits in front of reset and registration mails. */
export class MailLimits {
  readonly #addresses: StoreRateLimiter;
  readonly #recipients: StoreRateLimiter;

  constructor(store: Store, limits: Readonly<Limits>) {
    const counters = store.counters;
    this.#addresses = new StoreRateLimiter({
      counters,
      keyPrefix: ADDRESS,
      points: limits.perAddress || Number.MAX_SAFE_INTEGER,
      duration: limits.window,
    });
    this.#recipients = new StoreRateLimiter({
      counters,
      keyPrefix: RECIPIENT,
      points: limits.perRecipient || Number.MAX_SAFE_INTEGER,
      duration: limits.window,
    });
  }

  /**
   * Counts a request from `address` (a limit key, see addressKey): undefined when it may go ahead,
   * else the seconds until one may.
   */
  async request(address: string): Promise<number | undefined> {
    return refusal(this.#addresses, address);
  }

  /** Counts a mail to `email`: whether it may be sent (false once the address had its share). */
  async mayMail(email: string): Promise<boolean> {
    const key = createHash('sha256').update(email.trim().toLowerCase()).digest('base64url');
    return (await refusal(this.#recipients, key)) === undefined;
  }
}

async function refusal(limiter: StoreRateLimiter, key: string): Promise<number | undefined> {
  try {
    await limiter.consume(key);
    return undefined;
  } catch (rejection) {
    if (isLimitReached(rejection)) return retryAfterSeconds(rejection);
    throw rejection;
  }
}
