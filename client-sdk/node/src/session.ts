// A signed-in user's tokens: what the code flow and a refresh produce, and what the web middleware
// keeps in its encrypted cookie.
import { decodeJwt, type JWTPayload } from 'jose';
import type * as oidc from 'openid-client';
import { TOKEN_TYPES } from './contract.ts';
import { nowSeconds } from './http.ts';

/** `Bearer` or `DPoP`, as named in the contract (token responses may use any letter case). */
export type TokenType = (typeof TOKEN_TYPES)[keyof typeof TOKEN_TYPES];

/** Claims of the signed-in user, from the ID token (`sub`, `email`, `groups`, ...). */
export interface UserClaims extends JWTPayload {
  readonly sub: string;
  readonly [claim: string]: unknown;
}

/** A signed-in user's tokens and claims. */
export interface Session {
  readonly accessToken: string;
  readonly tokenType: TokenType;
  /** When the access token expires, in seconds since the epoch; undefined if the server did not say. */
  readonly expiresAt: number | undefined;
  readonly refreshToken?: string | undefined;
  readonly idToken?: string | undefined;
  /** The granted scope, space-separated. */
  readonly scope?: string | undefined;
  /** The API the access token is for (resource indicator); undefined: SSO's userinfo. */
  readonly resource?: string | undefined;
  /** The user's claims: the ID token's, completed from userinfo when the token allows. */
  readonly claims: UserClaims;
}

/** The token type of a token response, normalised to the contract's spelling. */
export function tokenTypeOf(raw: string | undefined): TokenType {
  return raw?.toLowerCase() === TOKEN_TYPES.dpop.toLowerCase()
    ? TOKEN_TYPES.dpop
    : TOKEN_TYPES.bearer;
}

/**
 * A Session from a token response. `previous` supplies what a refresh response may leave out;
 * `userinfo` completes the claims (SSO puts only protocol claims in ID tokens of the code flow).
 */
export function sessionFromTokens(
  tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers,
  options: { previous?: Session; userinfo?: oidc.UserInfoResponse; resource?: string | undefined },
): Session {
  const { previous, userinfo } = options;
  const claims = {
    ...previous?.claims,
    ...(tokens.id_token ? decodeJwt(tokens.id_token) : {}),
    ...userinfo,
  } as UserClaims;
  return Object.freeze({
    accessToken: tokens.access_token,
    tokenType: tokenTypeOf(tokens.token_type),
    expiresAt: tokens.expires_in === undefined ? undefined : nowSeconds() + tokens.expires_in,
    refreshToken: tokens.refresh_token ?? previous?.refreshToken,
    idToken: tokens.id_token ?? previous?.idToken,
    scope: tokens.scope ?? previous?.scope,
    resource: options.resource ?? previous?.resource,
    claims: Object.freeze(claims),
  });
}

/**
 * Whether the session's access token expires within `skew` seconds (and so should be refreshed).
 *
 * @example
 * ```ts
 * if (expiresSoon(session, 60)) session = await refreshSession(client, session);
 * ```
 */
export function expiresSoon(session: Pick<Session, 'expiresAt'>, skew: number): boolean {
  return session.expiresAt !== undefined && session.expiresAt - skew <= nowSeconds();
}
