// Signing out: the RP-initiated logout URL (OpenID Connect RP-Initiated Logout 1.0) that ends the
// user's SSO session, and token revocation (RFC 7009) for what the app still holds.
import * as oidc from 'openid-client';
import { configurationOf, type Client } from './client.ts';
import { fromProtocolError } from './server-errors.ts';

export interface LogoutOptions {
  /** The session's ID token: tells SSO which session and client are signing out. */
  idTokenHint?: string | undefined;
  /** Where SSO sends the browser afterwards; must be registered for the client. */
  postLogoutRedirectUri?: string | undefined;
  /** Returned to `postLogoutRedirectUri` unchanged. */
  state?: string | undefined;
}

/**
 * The URL that signs the user out of SSO (the issuer's `end_session_endpoint`).
 *
 * @example
 * ```ts
 * const url = logoutUrl(client, {
 *   idTokenHint: session.idToken,
 *   postLogoutRedirectUri: 'https://app.example.com/',
 * });
 * ```
 */
export function logoutUrl(client: Client, options: LogoutOptions = {}): URL {
  const parameters: Record<string, string> = { client_id: client.clientId };
  if (options.idTokenHint) parameters.id_token_hint = options.idTokenHint;
  if (options.postLogoutRedirectUri) {
    parameters.post_logout_redirect_uri = options.postLogoutRedirectUri;
  }
  if (options.state) parameters.state = options.state;
  try {
    return oidc.buildEndSessionUrl(configurationOf(client), parameters);
  } catch (error) {
    throw fromProtocolError('SSO_CONFIGURATION_INVALID', error, 'the logout URL');
  }
}

/**
 * Revokes a refresh or access token of this client (RFC 7009). Throws `SSO_TOKEN_REQUEST_FAILED`.
 *
 * @example
 * ```ts
 * await revokeToken(client, session.refreshToken!);
 * ```
 */
export async function revokeToken(client: Client, token: string): Promise<void> {
  try {
    await oidc.tokenRevocation(configurationOf(client), token);
  } catch (error) {
    throw fromProtocolError('SSO_TOKEN_REQUEST_FAILED', error, 'token revocation');
  }
}
