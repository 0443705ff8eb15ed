// Protection against guessing passwords and device codes, modelled on Keycloak's brute-force
// detection and Authelia's regulation, with rate-limiter-flexible over the store's counters (so every
// instance on one store shares them, and the CLI can lift them):
//
// - per account and address: the first `delayAfter` failures are free; each further one makes the
//   next attempt wait (1 s, 2 s, 4 s, … up to `maxDelay`); `lockoutAfter` failures lock the account
//   for that address for `lockoutDuration`. A success clears both. Being keyed on the address too,
//   an attacker elsewhere cannot lock the real user out.
// - per address, across accounts: `addressLimit` failures within `addressWindow` block the address
//   for that long, so one address cannot try a few passwords on many accounts.
// - device codes: `deviceCodeLimit` wrong codes from one address within `deviceCodeWindow` block it.
//
// An attempt is counted before the password is checked (a point is reserved), so concurrent
// attempts cannot slip past the limit, and refused attempts cost no password hashing. Unknown
// accounts are counted under the login as typed, exactly as known ones are under their id: what a
// person sees never tells whether an account exists.
import type { RateLimiterRes } from 'rate-limiter-flexible';
import type { Store } from '../../adapters/store.ts';
import type { SignInLimits } from '../config.ts';
import { isLimitReached, retryAfterSeconds, StoreRateLimiter } from './store-limiter.ts';

/** Why an attempt is refused before its password is checked. */
export type RefusalReason = 'delay' | 'locked' | 'address';

/** An attempt that may not go ahead now. */
export interface Refusal {
  refused: RefusalReason;
  /** Seconds until it may. */
  retryAfter: number;
}

/** What a failed attempt led to. */
export interface FailureOutcome {
  /** Set when this failure started a lockout of the account at this address, or of the address. */
  lockedOut?: 'account' | 'address';
  /** Seconds the next attempt must wait (0 when none). */
  retryAfter: number;
}

/** An attempt under way: report how its check ended. */
export interface Attempt {
  succeeded(): Promise<void>;
  failed(): Promise<FailureOutcome>;
  /**
   * The check passed but the sign-in is not over (a second factor follows): the attempt's point is
   * given back, and the failures before it are kept (the second factor's success clears them).
   */
  released(): Promise<void>;
}

// Counter key prefixes. An account's keys all start with `${prefix}a:${accountId}|`, so that
// unlocking it is one prefix deletion.
const FAILURES = 'signin-failures';
const DELAY = 'signin-delay';
const ADDRESS = 'signin-address';
const DEVICE = 'device-code-failures';

/** Who an attempt is for: an account id when the login names one, else the login as typed. */
export function attemptSubject(accountId: string | undefined, login: string): string {
  return accountId ? `a:${accountId}` : `l:${login.trim().toLowerCase().slice(0, 256)}`;
}

/** The guard in front of password and device-code checks. */
export class SignInGuard {
  readonly #store: Store;
  readonly #limits: SignInLimits;
  readonly #failures: StoreRateLimiter;
  readonly #delays: StoreRateLimiter;
  readonly #addresses: StoreRateLimiter;
  readonly #deviceCodes: StoreRateLimiter;

  constructor(store: Store, limits: SignInLimits) {
    this.#store = store;
    this.#limits = limits;
    const counters = store.counters;
    this.#failures = new StoreRateLimiter({
      counters,
      keyPrefix: FAILURES,
      points: limits.lockoutAfter || Number.MAX_SAFE_INTEGER,
      duration: limits.failureReset,
    });
    // A block-only limiter: block() starts a wait, get() tells whether one is running.
    this.#delays = new StoreRateLimiter({ counters, keyPrefix: DELAY, points: 1, duration: 1 });
    this.#addresses = new StoreRateLimiter({
      counters,
      keyPrefix: ADDRESS,
      points: limits.addressLimit || Number.MAX_SAFE_INTEGER,
      duration: limits.addressWindow,
    });
    this.#deviceCodes = new StoreRateLimiter({
      counters,
      keyPrefix: DEVICE,
      points: limits.deviceCodeLimit || Number.MAX_SAFE_INTEGER,
      duration: limits.deviceCodeWindow,
    });
  }

  /**
   * Before checking `subject`'s password from `address` (a limit key, see addressKey): a refusal,
   * or the attempt, whose outcome the caller must report.
   */
  async begin(subject: string, address: string): Promise<Attempt | Refusal> {
    const key = `${subject}|${address}`;
    const [byAddress, delay, failures] = await Promise.all([
      this.#addresses.get(address),
      this.#delays.get(key),
      this.#failures.get(key),
    ]);
    if (byAddress && byAddress.consumedPoints > this.#addresses.points) {
      return { refused: 'address', retryAfter: retryAfterSeconds(byAddress) };
    }
    if (delay && delay.consumedPoints > this.#delays.points && delay.msBeforeNext > 0) {
      return { refused: 'delay', retryAfter: retryAfterSeconds(delay) };
    }
    if (failures && failures.consumedPoints > this.#failures.points) {
      return { refused: 'locked', retryAfter: retryAfterSeconds(failures) };
    }
    let reserved: RateLimiterRes;
    try {
      reserved = await this.#failures.consume(key);
    } catch (rejection) {
      if (isLimitReached(rejection))
        return { refused: 'locked', retryAfter: retryAfterSeconds(rejection) };
      throw rejection;
    }
    return {
      succeeded: async () => {
        await Promise.all([this.#failures.delete(key), this.#delays.delete(key)]);
      },
      failed: () => this.#failed(key, address, reserved.consumedPoints),
      released: async () => {
        await this.#failures.reward(key, 1);
      },
    };
  }

  /** Whether `address` may enter a device code now; a refusal when it has guessed too often. */
  async deviceCodeAllowed(address: string): Promise<Refusal | undefined> {
    const res = await this.#deviceCodes.get(address);
    if (res && res.consumedPoints > this.#deviceCodes.points) {
      return { refused: 'address', retryAfter: retryAfterSeconds(res) };
    }
    return undefined;
  }

  /** Counts a wrong device code from `address`; answers whether it started a block. */
  async deviceCodeFailed(address: string): Promise<boolean> {
    return countTowardsBlock(this.#deviceCodes, address, this.#limits.deviceCodeWindow);
  }

  /**
   * Lifts every lockout and wait of the account `accountId` (at every address), and of `login` as
   * typed; answers how many counters were removed.
   */
  async unlockAccount(accountId: string, logins: string[] = []): Promise<number> {
    const subjects = [
      attemptSubject(accountId, ''),
      ...logins.map((l) => attemptSubject(undefined, l)),
    ];
    const removed = await Promise.all(
      subjects.flatMap((subject) => [
        this.#store.counters.deleteByPrefix(`${FAILURES}:${subject}|`),
        this.#store.counters.deleteByPrefix(`${DELAY}:${subject}|`),
      ]),
    );
    return removed.reduce((a, b) => a + b, 0);
  }

  /** Lifts the block of an address (sign-ins and device codes); answers whether there was one. */
  async unlockAddress(address: string): Promise<boolean> {
    const [signIns, devices] = await Promise.all([
      this.#addresses.delete(address),
      this.#deviceCodes.delete(address),
    ]);
    return signIns || devices;
  }

  async #failed(key: string, address: string, failures: number): Promise<FailureOutcome> {
    const { delayAfter, maxDelay, lockoutAfter, lockoutDuration } = this.#limits;
    let outcome: FailureOutcome = { retryAfter: 0 };
    if (lockoutAfter > 0 && failures >= lockoutAfter) {
      await this.#failures.block(key, lockoutDuration);
      outcome = { lockedOut: 'account', retryAfter: lockoutDuration };
    } else if (failures > delayAfter) {
      const wait = Math.min(2 ** (failures - delayAfter - 1), maxDelay);
      await this.#delays.block(key, wait);
      outcome = { retryAfter: wait };
    }
    const { addressWindow } = this.#limits;
    if (await countTowardsBlock(this.#addresses, address, addressWindow)) {
      outcome = { lockedOut: 'address', retryAfter: addressWindow };
    }
    return outcome;
  }
}

// Counts one failure of `key`; the failure that reaches the limiter's points blocks the key for
// `seconds` (answers true then). Failures during a block extend nothing.
async function countTowardsBlock(
  limiter: StoreRateLimiter,
  key: string,
  seconds: number,
): Promise<boolean> {
  let res: RateLimiterRes;
  try {
    res = await limiter.consume(key);
  } catch (rejection) {
    if (isLimitReached(rejection)) return false; // already blocked
    throw rejection;
  }
  if (res.consumedPoints < limiter.points) return false;
  await limiter.block(key, seconds);
  return true;
}

/** Whether `begin` refused the attempt. */
export function isRefusal(value: Attempt | Refusal): value is Refusal {
  return 'refused' in value;
}
