// The session cookie: a signed-in user's tokens and claims, sealed (encrypted) under the app's
// secret, with short field names so that it fits the 4 KB browsers allow a cookie.
import { readCookie, setCookie } from './cookies.ts';
import { SsoError } from './errors.ts';
import { seal, unseal } from './sealed.ts';
import type { Session } from './session.ts';
import { keys, type WebAuth } from './web-auth.ts';

/** Browsers keep cookies up to 4096 bytes including name and attributes. */
const MAX_COOKIE_VALUE = 3800;

// The session cookie's payload: short names, since it must fit in 4 KB.
interface SessionPayload {
  at: string;
  tt: Session['tokenType'];
  ate?: number;
  rt?: string;
  it?: string;
  sc?: string;
  rs?: string;
  cl: Session['claims'];
}

/** The Set-Cookie value holding `session`; `SSO_SESSION_TOO_LARGE` if it cannot fit. */
export async function sessionCookieFor(web: WebAuth, session: Session): Promise<string> {
  const payload: SessionPayload = {
    at: session.accessToken,
    tt: session.tokenType,
    cl: session.claims,
    ...(session.expiresAt !== undefined ? { ate: session.expiresAt } : {}),
    ...(session.refreshToken ? { rt: session.refreshToken } : {}),
    ...(session.scope ? { sc: session.scope } : {}),
    ...(session.resource ? { rs: session.resource } : {}),
  };
  let value = await seal({ ...payload, it: session.idToken }, keys(web).session, web.sessionTtl);
  // Without the ID token, sign-out still works (SSO asks the user to confirm).
  if (value.length > MAX_COOKIE_VALUE)
    value = await seal({ ...payload }, keys(web).session, web.sessionTtl);
  if (value.length > MAX_COOKIE_VALUE) throw new SsoError('SSO_SESSION_TOO_LARGE');
  return cookie(web, web.cookies.session, value, web.sessionTtl);
}

/** The session in the Cookie header, if there is one that opens and is unexpired. */
export async function readSession(
  web: WebAuth,
  header: string | undefined,
): Promise<Session | undefined> {
  const raw = readCookie(header, web.cookies.session);
  const payload = raw
    ? ((await unseal(raw, keys(web).session)) as SessionPayload | undefined)
    : undefined;
  if (!payload || typeof payload.at !== 'string' || !payload.cl) return undefined;
  return Object.freeze({
    accessToken: payload.at,
    tokenType: payload.tt,
    expiresAt: payload.ate,
    refreshToken: payload.rt,
    idToken: payload.it,
    scope: payload.sc,
    resource: payload.rs,
    claims: Object.freeze(payload.cl),
  });
}

/** A Set-Cookie value for one of `web`'s cookies (`maxAge` 0 deletes it). */
export function cookie(web: WebAuth, name: string, value: string, maxAge: number): string {
  const base = new URL(web.baseUrl);
  return setCookie(name, value, {
    maxAge,
    path: base.pathname === '' ? '/' : base.pathname,
    secure: base.protocol === 'https:',
  });
}
