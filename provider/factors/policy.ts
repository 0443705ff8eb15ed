// When a sign-in needs a second factor, and what a sign-in was: the `acr` it reached and its `amr`
// (RFC 8176). A second factor is asked of everyone who has one; it is required of an account marked
// so, of members of SSO_MFA_GROUPS, for applications registered to require it, and when the
// application asks for it with `acr_values` (step-up).
import type { Account, ClientRecord } from '../../adapters/store.ts';
import { ACR_VALUES } from '../../client-sdk/node/src/contract.ts';

/** Whether `acr_values` (space-separated, in order of preference) asks for more than a password. */
export function asksMultiFactor(acrValues: unknown): boolean {
  if (typeof acrValues !== 'string') return false;
  const asked = acrValues.split(' ').filter(Boolean);
  return asked.includes(ACR_VALUES.multiFactor) && !asked.includes(ACR_VALUES.password);
}

/**
 * Whether an authorization request's parameters ask for more than a password: `acr_values`, or an
 * essential `acr` in the `claims` parameter (OIDC Core §5.5.1.1) that only a second factor meets.
 */
export function requestsMultiFactor(params: Record<string, unknown>): boolean {
  if (asksMultiFactor(params.acr_values)) return true;
  if (typeof params.claims !== 'string') return false;
  try {
    const claims = JSON.parse(params.claims) as {
      id_token?: { acr?: { essential?: boolean; value?: unknown; values?: unknown } };
    };
    const acr = claims.id_token?.acr;
    if (!acr?.essential) return false;
    const values = Array.isArray(acr.values) ? acr.values : [acr.value];
    return values.includes(ACR_VALUES.multiFactor) && !values.includes(ACR_VALUES.password);
  } catch {
    return false;
  }
}

/** Whether a sign-in of `account` to `client`, asked for with `params`, needs a second factor. */
export function secondFactorRequired(
  account: Pick<Account, 'mfaRequired' | 'groups'>,
  client: Pick<ClientRecord, 'requireMfa'> | undefined,
  params: Record<string, unknown>,
  mfaGroups: readonly string[],
): boolean {
  return (
    account.mfaRequired === true ||
    account.groups.some((group) => mfaGroups.includes(group)) ||
    client?.requireMfa === true ||
    requestsMultiFactor(params)
  );
}

/** How a sign-in was made. */
export type SignInMethod =
  'password' | 'password+totp' | 'password+recovery' | 'password+passkey' | 'passkey';

/** The `amr` values of a sign-in made with `method`. */
export function amrOf(method: SignInMethod): string[] {
  switch (method) {
    case 'password':
      return ['pwd'];
    case 'password+totp':
    case 'password+recovery':
      return ['pwd', 'otp', 'mfa'];
    case 'password+passkey':
      return ['pwd', 'hwk', 'mfa'];
    case 'passkey':
      // A passkey with user verification: something held and something known or been.
      return ['hwk', 'user', 'mfa'];
  }
}

/** The `acr` a sign-in with `amr` reached. */
export function acrOf(amr: readonly string[]): string {
  return amr.includes('mfa') ? ACR_VALUES.multiFactor : ACR_VALUES.password;
}
