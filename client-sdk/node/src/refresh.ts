// Refreshing a session with its refresh token. Concurrent refreshes of one refresh token share one
// token request, and the result stays shared for a few seconds: SSO rotates refresh tokens, and two
// requests racing with the same token must not both spend it.
import * as oidc from 'openid-client';
import { configurationOf, type Client } from './client.ts';
import { SsoError } from './errors.ts';
import { fromProtocolError } from './server-errors.ts';
import { sessionFromTokens, type Session } from './session.ts';
import { singleFlight, type SingleFlight } from './single-flight.ts';

/** Milliseconds a finished refresh is still handed to callers presenting the old refresh token. */
const SHARE_RESULT_FOR = 10_000;

const flights = new WeakMap<Client, SingleFlight<string, Session>>();

/**
 * A new session from `session`'s refresh token, with the user's claims read again from userinfo
 * (unless the access token is for an API). Parallel calls with the same refresh token make
 * one token request and get the same result. Throws `SSO_REFRESH_FAILED` (`serverError` is
 * `invalid_grant` when the refresh token is no longer valid: sign the user in again).
 *
 * @example
 * ```ts
 * if (expiresSoon(session, 60)) session = await refreshSession(client, session);
 * ```
 */
export function refreshSession(client: Client, session: Session): Promise<Session> {
  const refreshToken = session.refreshToken;
  if (!refreshToken) {
    return Promise.reject(new SsoError('SSO_REFRESH_FAILED', { detail: 'no refresh token' }));
  }
  let group = flights.get(client);
  if (!group) flights.set(client, (group = singleFlight<string, Session>(SHARE_RESULT_FOR)));
  return group.run(refreshToken, async () => {
    const configuration = configurationOf(client);
    let tokens;
    try {
      tokens = await oidc.refreshTokenGrant(configuration, refreshToken);
    } catch (error) {
      throw fromProtocolError('SSO_REFRESH_FAILED', error, 'the refresh token grant');
    }
    let userinfo;
    if (!session.resource && client.issuer.metadata.userinfo_endpoint) {
      // Fresh claims (group changes show up here); the old ones if userinfo is unavailable, since
      // the refresh token has been spent and the new tokens must not be lost.
      userinfo = await oidc
        .fetchUserInfo(configuration, tokens.access_token, session.claims.sub)
        .catch(() => undefined);
    }
    return sessionFromTokens(tokens, { previous: session, userinfo });
  });
}
