// The requests of the scenarios, built from what a target announced: the same for `npm run bench`
// and `npm run bench:profile`.
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
