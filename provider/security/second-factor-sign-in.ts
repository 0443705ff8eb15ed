// One second-factor attempt at sign-in (an authenticator code, a recovery code, a passkey): guarded
// like passwords (its failures count toward the same lockout of the account at the address, which
// the right password alone does not clear), checked, and recorded in the audit log.
import type { Account } from '../../adapters/store.ts';
import type { AuditLog } from '../audit/audit.ts';
import { addressKey } from './client-address.ts';
import {
  attemptSubject,
  isRefusal,
  type RefusalReason,
  type SignInGuard,
} from './sign-in-guard.ts';

export interface SecondFactorSignInDeps {
  guard: SignInGuard;
  audit: AuditLog;
}

export interface SecondFactorAttempt {
  account: Account;
  /** The client address (see clientAddress). */
  address: string;
  clientId: string;
  /** What the audit log calls the method (`pwd+otp`, …). */
  method: string;
  /** Checks the factor; answers whether it passed. */
  check: () => Promise<boolean>;
}

export type SecondFactorResult =
  | { passed: true }
  | { passed: false; retryAfter: number; lockedOut?: 'account' | 'address' }
  | { refused: RefusalReason; retryAfter: number };

/** Runs `input.check` if the guard allows an attempt now. */
export async function secondFactorSignIn(
  deps: SecondFactorSignInDeps,
  input: SecondFactorAttempt,
): Promise<SecondFactorResult> {
  const who = {
    username: input.account.username,
    accountId: input.account.id,
    clientId: input.clientId,
    ip: input.address,
  };
  const attempt = await deps.guard.begin(
    attemptSubject(input.account.id, ''),
    addressKey(input.address),
  );
  if (isRefusal(attempt)) {
    await deps.audit.record(
      { type: 'login.failure', ...who, details: { reason: 'second_factor_refused' } },
      { keep: false },
    );
    return { refused: attempt.refused, retryAfter: attempt.retryAfter };
  }
  if (await input.check()) {
    await attempt.succeeded();
    await deps.audit.record({ type: 'login.success', ...who, details: { method: input.method } });
    return { passed: true };
  }
  const outcome = await attempt.failed();
  await deps.audit.record({
    type: 'login.failure',
    ...who,
    details: { reason: 'invalid_second_factor', method: input.method },
  });
  if (outcome.lockedOut) {
    await deps.audit.record({
      type: 'login.lockout',
      ...who,
      details: { scope: outcome.lockedOut, seconds: outcome.retryAfter },
    });
  }
  return { passed: false, ...outcome };
}
