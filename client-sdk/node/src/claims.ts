// What an API knows about a verified access token, and the scope and group requirements on it.
import type { JWTPayload } from 'jose';
import { SsoError } from './errors.ts';

/** Claims of an SSO access token (RFC 9068), or of an introspection answer. */
export interface AccessTokenClaims extends JWTPayload {
  readonly sub?: string;
  readonly client_id?: string;
  /** Granted scopes, space-separated. */
  readonly scope?: string;
  /** Set when the token is bound to a key (DPoP: `cnf.jkt`). */
  readonly cnf?: { readonly jkt?: string };
  readonly groups?: readonly string[];
  readonly [claim: string]: unknown;
}

/** A verified access token. */
export interface VerifiedToken {
  readonly token: string;
  readonly claims: AccessTokenClaims;
  /** The granted scopes. */
  readonly scopes: readonly string[];
  /** How it was verified: locally (`jwt`) or by asking SSO (`introspection`). */
  readonly via: 'jwt' | 'introspection';
  /** Whether it was presented with a valid DPoP proof. */
  readonly dpop: boolean;
}

/**
 * What a route needs of a token: every listed scope, membership in every listed group, and, with
 * `confirm: 'introspection'`, SSO's word that the token is still active right now.
 */
export interface TokenRequirements {
  scopes?: readonly string[];
  groups?: readonly string[];
  /**
   * Also ask SSO about a JWT that verified locally (RFC 7662, with the verifier's `introspection`
   * client): a disabled user, a removed client or a revoked grant is then refused at once instead
   * of when the token expires (5 minutes by default for API tokens). One request to SSO per call:
   * for the routes that need it (payments, deletions), not every route.
   */
  confirm?: 'introspection';
}

/**
 * Throws `SSO_INSUFFICIENT_SCOPE` unless the token has every one of `scopes`.
 *
 * @example
 * ```ts
 * requireScopes(verified, ['orders:write']);
 * ```
 */
export function requireScopes(verified: VerifiedToken, scopes: readonly string[]): void {
  const missing = scopes.filter((scope) => !verified.scopes.includes(scope));
  if (missing.length > 0) {
    throw new SsoError('SSO_INSUFFICIENT_SCOPE', { detail: missing.join(' '), scopes });
  }
}

/**
 * Throws `SSO_GROUP_REQUIRED` unless the token's `groups` claim has every one of `groups`.
 *
 * @example
 * ```ts
 * requireGroups(verified, ['admins']);
 * ```
 */
export function requireGroups(verified: VerifiedToken, groups: readonly string[]): void {
  const member = Array.isArray(verified.claims.groups) ? verified.claims.groups : [];
  const missing = groups.filter((group) => !member.includes(group));
  if (missing.length > 0) throw new SsoError('SSO_GROUP_REQUIRED', { detail: missing.join(', ') });
}

/** Both requirements at once. */
export function checkRequirements(verified: VerifiedToken, requirements: TokenRequirements): void {
  if (requirements.scopes?.length) requireScopes(verified, requirements.scopes);
  if (requirements.groups?.length) requireGroups(verified, requirements.groups);
}

/** The scopes of a space-separated `scope` claim. */
export function scopesOf(claims: AccessTokenClaims): readonly string[] {
  return Object.freeze(
    typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : [],
  );
}
