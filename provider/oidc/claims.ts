// Which claims each scope releases, and an account's claims. Scope and claim names here are the
// ones relying parties see in discovery (`scopes_supported`, `claims_supported`).
// The names come from the contract shared with the client package.
import type { Account } from '../../adapters/store.ts';
import { profileClaims } from '../accounts/profile-fields.ts';
import { SCOPE_CLAIMS, SCOPES, type UserClaimName } from '../../client-sdk/node/src/contract.ts';

/** The OpenID Connect scopes SSO supports; API scopes come from registered APIs. */
export const OIDC_SCOPES = SCOPES;

/** Claims released per scope (oidc-provider's `claims` configuration). */
export { SCOPE_CLAIMS };

/**
 * Every claim an account has; oidc-provider releases only those the granted scopes, or the claims
 * a request asked for and the person allowed, cover.
 */
export function accountClaims(account: Account): Partial<Record<UserClaimName, unknown>> {
  return {
    ...profileClaims(account),
    sub: account.id,
    preferred_username: account.username,
    updated_at: Math.floor(account.updatedAt / 1000),
    email: account.email,
    email_verified: account.email ? account.emailVerified : undefined,
    groups: account.groups,
  };
}
