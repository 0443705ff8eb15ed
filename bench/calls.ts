// The requests of the scenarios, built from what a target announced: the same for `npm run bench`
// and `npm run bench:profile`.
import * as oidc from 'openid-client';
import { codeFlow } from '../test/support/flows.ts';
import { UserAgent } from '../test/support/user-agent.ts';
import type { Call } from './load.ts';
import { BENCH_API, BENCH_SCOPE, type TargetReady } from './targets/fixture.ts';

const FORM = 'application/x-www-form-urlencoded';

const basic = (client: { id: string; secret: string }) =>
  `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString('base64')}`;

/** A: client credentials for the API (a JWT access token). */
export const jwtCall = (ready: TargetReady): Call => ({
  method: 'POST',
  path: '/token',
  headers: { authorization: basic(ready.jwtClient), 'content-type': FORM },
  body: `grant_type=client_credentials&scope=${BENCH_SCOPE}&resource=${encodeURIComponent(BENCH_API)}`,
});

/** B: client credentials without an API (an opaque token). */
export const opaqueCall = (ready: TargetReady): Call => ({
  method: 'POST',
  path: '/token',
  headers: { authorization: basic(ready.opaqueClient), 'content-type': FORM },
  body: 'grant_type=client_credentials',
});

/** C: introspection of `token` by the client it was issued to. */
export const introspectionCall = (ready: TargetReady, token: string): Call => ({
  method: 'POST',
  path: '/token/introspection',
  headers: { authorization: basic(ready.opaqueClient), 'content-type': FORM },
  body: `token=${token}`,
});

/** E: discovery. */
export const discoveryCall: Call = { method: 'GET', path: '/.well-known/openid-configuration' };

/**
 * D: a person signs in through SSO's pages (a fresh browser each time, argon2id included) and the
 * app exchanges the code for tokens.
 */
export async function signInFlow(ready: TargetReady): Promise<() => Promise<void>> {
  const signIn = ready.signIn;
  if (!signIn) throw new Error('the target announced no sign-in');
  const config = await oidc.discovery(
    new URL(ready.url),
    signIn.clientId,
    undefined,
    oidc.ClientSecretBasic(signIn.secret),
    { execute: [oidc.allowInsecureRequests] },
  );
  return async () => {
    const agent = new UserAgent({ ssoOrigin: new URL(ready.url).origin });
    const { tokens } = await codeFlow(
      config,
      agent,
      { login: signIn.login, password: signIn.password },
      { redirect_uri: signIn.redirectUri, scope: 'openid' },
    );
    if (!tokens.id_token) throw new Error('no ID token');
  };
}
