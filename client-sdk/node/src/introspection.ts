// Token introspection (RFC 7662): asks SSO whether an opaque token is active and what it grants.
// SSO introspects opaque tokens only; its JWT access tokens are verified locally instead.
import * as oidc from 'openid-client';
import { configurationOf, type Client } from './client.ts';
import { fromProtocolError } from './server-errors.ts';

/** An introspection answer. `active: false` is all an inactive token gets. */
export interface Introspection {
  readonly active: boolean;
  readonly sub?: string;
  readonly client_id?: string;
  readonly scope?: string;
  readonly aud?: string | readonly string[];
  readonly iss?: string;
  readonly exp?: number;
  readonly iat?: number;
  /** `Bearer` or `DPoP` for access tokens; absent for refresh tokens. */
  readonly token_type?: string;
  readonly cnf?: { readonly jkt?: string };
  readonly [claim: string]: unknown;
}

/**
 * Introspects `token` with `client`'s credentials (a confidential client, e.g. the API itself).
 * Throws `SSO_INTROSPECTION_FAILED` when SSO cannot answer.
 *
 * @example
 * ```ts
 * const result = await introspect(apiClient, token);
 * if (result.active) console.log(result.sub, result.scope);
 * ```
 */
export async function introspect(client: Client, token: string): Promise<Introspection> {
  try {
    const result = await oidc.tokenIntrospection(configurationOf(client), token);
    return Object.freeze({ ...result });
  } catch (error) {
    throw fromProtocolError('SSO_INTROSPECTION_FAILED', error, 'token introspection');
  }
}
