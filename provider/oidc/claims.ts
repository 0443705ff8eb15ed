// Which claims each scope releases, and an account's claims. Scope and claim names here are the
// ones relying parties see in discovery (`scopes_supported`, `claims_supported`).
import type { Account } from '../../adapters/store.ts';

/** The OpenID Connect scopes SSO supports; API scopes come from registered APIs. */
export const OIDC_SCOPES = ['openid', 'offline_access', 'profile', 'email', 'groups'] as const;

/** Claims released per scope (oidc-provider's `claims` configuration). */
export const SCOPE_CLAIMS = {
  openid: ['sub'],
  profile: ['name', 'given_name', 'family_name', 'preferred_username', 'updated_at'],
  email: ['email', 'email_verified'],
  groups: ['groups'],
} as const;

/** Every claim an account has; oidc-provider releases only those the granted scopes allow. */
export function accountClaims(account: Account): Record<string, unknown> {
  return {
    sub: account.id,
    preferred_username: account.username,
    name: account.name,
    given_name: account.givenName,
    family_name: account.familyName,
    updated_at: Math.floor(account.updatedAt / 1000),
    email: account.email,
    email_verified: account.email ? account.emailVerified : undefined,
    groups: account.groups,
  };
}
