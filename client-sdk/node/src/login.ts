// The authorization-code flow of a web app (RFC 6749 + PKCE RFC 7636 + OpenID Connect): the
// authorization URL with S256 PKCE, state and nonce, and the callback that turns the code into
// tokens after checking all three.
import * as oidc from 'openid-client';
import { configurationOf, type Client } from './client.ts';
import { SsoError } from './errors.ts';
import { fromProtocolError } from './server-errors.ts';
import { sessionFromTokens, type Session } from './session.ts';

/** What the callback needs to finish a sign-in; keep it private to the browser that started it. */
export interface LoginState {
  readonly codeVerifier: string;
  readonly state: string;
  readonly nonce: string;
  readonly redirectUri: string;
  /** Where to send the user after sign-in (an app-relative path). */
  readonly returnTo?: string | undefined;
  /** The API the access token is requested for, if any. */
  readonly resource?: string | undefined;
}

export interface LoginOptions {
  /** The registered redirect URI of this app (the callback). */
  redirectUri: string;
  /** Space-separated scopes. Default `openid profile email`; `openid` is always included. */
  scope?: string;
  /** An API (RFC 8707 resource indicator) the access token should be for. */
  resource?: string;
  /** Kept in the LoginState for after the callback. */
  returnTo?: string;
  /** Other authorization request parameters, e.g. `{ prompt: 'login' }`. */
  parameters?: Readonly<Record<string, string>>;
}

/** Default scope of a sign-in. */
export const DEFAULT_LOGIN_SCOPE = 'openid profile email';

/**
 * Starts a sign-in: the URL to send the browser to, and the state to keep until the callback.
 *
 * @example
 * ```ts
 * const { url, state } = await startLogin(client, {
 *   redirectUri: 'https://app.example.com/callback',
 * });
 * // keep `state` (e.g. in an encrypted cookie), then redirect the browser to `url`
 * ```
 */
export async function startLogin(
  client: Client,
  options: LoginOptions,
): Promise<{ url: URL; state: LoginState }> {
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const scopes = new Set((options.scope ?? DEFAULT_LOGIN_SCOPE).split(' ').filter(Boolean));
  scopes.add('openid');
  const url = oidc.buildAuthorizationUrl(configurationOf(client), {
    ...options.parameters,
    redirect_uri: options.redirectUri,
    scope: [...scopes].join(' '),
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...(options.resource ? { resource: options.resource } : {}),
  });
  return {
    url,
    state: Object.freeze({
      codeVerifier,
      state,
      nonce,
      redirectUri: options.redirectUri,
      returnTo: options.returnTo,
      resource: options.resource,
    }),
  };
}

/**
 * Finishes a sign-in at the callback: checks state, exchanges the code with the PKCE verifier,
 * checks the ID token and nonce, and reads the user's claims from userinfo (unless the access token
 * is for an API). Throws `SSO_LOGIN_FAILED` (`serverError` holds e.g.
 * `access_denied` when the user declined).
 *
 * @example
 * ```ts
 * const session = await finishLogin(client, callbackUrl, state);
 * console.log(session.claims.sub);
 * ```
 */
export async function finishLogin(
  client: Client,
  callbackUrl: URL | string,
  state: LoginState,
): Promise<Session> {
  // The code was issued for the registered redirect URI; only the callback's query matters.
  const current = new URL(state.redirectUri);
  current.search = new URL(callbackUrl, state.redirectUri).search;
  const configuration = configurationOf(client);
  let tokens;
  try {
    tokens = await oidc.authorizationCodeGrant(configuration, current, {
      pkceCodeVerifier: state.codeVerifier,
      expectedState: state.state,
      expectedNonce: state.nonce,
      idTokenExpected: true,
    });
  } catch (error) {
    throw fromProtocolError('SSO_LOGIN_FAILED', error, 'the authorization callback');
  }
  const sub = tokens.claims()?.sub;
  if (!sub) throw new SsoError('SSO_LOGIN_FAILED', { detail: 'no ID token' });
  let userinfo;
  if (!state.resource && client.issuer.metadata.userinfo_endpoint) {
    try {
      userinfo = await oidc.fetchUserInfo(configuration, tokens.access_token, sub);
    } catch (error) {
      throw fromProtocolError('SSO_LOGIN_FAILED', error, 'userinfo');
    }
  }
  return sessionFromTokens(tokens, { userinfo, resource: state.resource });
}
