// One password sign-in attempt, from the login form: guarded against guessing (sign-in-guard.ts),
// checked, and recorded in the audit log whatever its outcome.
import type { Account } from '../../adapters/store.ts';
import type { Accounts } from '../accounts/accounts.ts';
import type { AuditLog } from '../audit/audit.ts';
import { addressKey } from './client-address.ts';
import {
  attemptSubject,
  isRefusal,
  type RefusalReason,
  type SignInGuard,
} from './sign-in-guard.ts';

export interface PasswordSignInDeps {
  accounts: Accounts;
  guard: SignInGuard;
  audit: AuditLog;
}

export interface PasswordSignInInput {
  login: string;
  password: string;
  /** The client address (see clientAddress). */
  address: string;
  /** The application the person is signing in to. */
  clientId: string;
  /**
   * Whether a second factor follows the right password for `account`. Then the attempt is not a
   * success yet: the account's failures at this address are not cleared (the second factor's
   * failures add to them) and no success is recorded.
   */
  secondFactorFollows?: (account: Account) => Promise<boolean>;
}

/**
 * The account (with `secondFactor` when one must follow), or why not: a wrong login or password
 * (`invalid`), or a refusal to check at all.
 */
export type PasswordSignInResult =
  | { account: Account; secondFactor: boolean }
  | { failed: 'invalid'; retryAfter: number; lockedOut?: 'account' | 'address' }
  | { failed: RefusalReason; retryAfter: number };

/** Checks `input.password` for `input.login` if the guard allows an attempt now. */
export async function passwordSignIn(
  deps: PasswordSignInDeps,
  input: PasswordSignInInput,
): Promise<PasswordSignInResult> {
  const known = await deps.accounts.findByLogin(input.login);
  const who = {
    username: known?.username ?? input.login.trim().toLowerCase().slice(0, 256),
    accountId: known?.id,
    clientId: input.clientId,
    ip: input.address,
  };
  const attempt = await deps.guard.begin(
    attemptSubject(known?.id, input.login),
    addressKey(input.address),
  );
  if (isRefusal(attempt)) {
    // Logged, not stored: refused attempts cost nothing to send, and the lockout is stored.
    await deps.audit.record(
      {
        type: 'login.failure',
        ...who,
        details: { reason: REFUSAL_REASONS[attempt.refused], retryAfter: attempt.retryAfter },
      },
      { keep: false },
    );
    return { failed: attempt.refused, retryAfter: attempt.retryAfter };
  }
  const account = await deps.accounts.verifyPassword(known, input.password);
  if (account) {
    if (await input.secondFactorFollows?.(account)) {
      await attempt.released();
      return { account, secondFactor: true };
    }
    await attempt.succeeded();
    await deps.audit.record({ type: 'login.success', ...who, details: { method: 'pwd' } });
    return { account, secondFactor: false };
  }
  const outcome = await attempt.failed();
  await deps.audit.record({
    type: 'login.failure',
    ...who,
    details: { reason: 'invalid_credentials' },
  });
  if (outcome.lockedOut) {
    await deps.audit.record({
      type: 'login.lockout',
      ...who,
      details: { scope: outcome.lockedOut, seconds: outcome.retryAfter },
    });
  }
  return { failed: 'invalid', ...outcome };
}

const REFUSAL_REASONS: Record<RefusalReason, string> = {
  delay: 'throttled',
  locked: 'locked_out',
  address: 'address_blocked',
};
