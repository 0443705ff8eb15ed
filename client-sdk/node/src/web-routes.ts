// The sign-in routes of a web app, independent of the framework: /login, /callback and /logout,
// and for every other request the session from its cookie, refreshed shortly before the access
// token expires. The Koa and Express middleware are thin adapters over `handleWebRequest`.
import { readCookie } from './cookies.ts';
import { SsoError, isSsoError } from './errors.ts';
import { finishLogin, startLogin, type LoginState } from './login.ts';
import { logoutUrl, revokeToken } from './logout.ts';
import { refreshSession } from './refresh.ts';
import { seal, unseal } from './sealed.ts';
import { expiresSoon, type Session } from './session.ts';
import { cookie, readSession, sessionCookieFor } from './session-cookie.ts';
import { keys, safeReturnTo, type WebAuth } from './web-auth.ts';

/** The parts of an incoming request the web routes read. */
export interface WebRequest {
  method: string;
  /** Path relative to where the middleware is mounted, without query. */
  path: string;
  /** The query string including `?`, or empty. */
  search: string;
  /** Path and query as the browser requested it (for return-to). */
  originalUrl: string;
  /** The Cookie header. */
  cookie: string | undefined;
}

/** What the adapter does: answer the request itself, or continue with the user (if signed in). */
export type WebOutcome =
  | {
      type: 'respond';
      status: number;
      headers: Record<string, string>;
      body: string;
      setCookies: string[];
    }
  | { type: 'continue'; session: Session | undefined; setCookies: string[] };

/** Handles the sign-in routes, or loads (and if needed refreshes) the session for other requests. */
export async function handleWebRequest(web: WebAuth, request: WebRequest): Promise<WebOutcome> {
  const isGet = request.method === 'GET' || request.method === 'HEAD';
  if (isGet && request.path === web.paths.login) return login(web, request);
  if (isGet && request.path === web.paths.callback) return callback(web, request);
  if ((isGet || request.method === 'POST') && request.path === web.paths.logout) {
    return logout(web, request);
  }
  return loadSession(web, request);
}

/**
 * Whether the request may go on: undefined if the user is signed in (and in every one of `groups`);
 * else a redirect to sign-in (GET/HEAD), a 401, or a 403.
 */
export function guardLogin(
  web: WebAuth,
  request: Pick<WebRequest, 'method' | 'originalUrl'>,
  session: Session | undefined,
  groups: readonly string[] = [],
): WebOutcome | undefined {
  if (!session) {
    if (request.method === 'GET' || request.method === 'HEAD') {
      const login = new URL(`${web.baseUrl}${web.paths.login}`);
      login.searchParams.set('returnTo', request.originalUrl);
      return redirect(login.href, []);
    }
    return failure(new SsoError('SSO_NOT_SIGNED_IN'), []);
  }
  const member = Array.isArray(session.claims.groups) ? (session.claims.groups as unknown[]) : [];
  const missing = groups.filter((group) => !member.includes(group));
  if (missing.length > 0) {
    return failure(new SsoError('SSO_GROUP_REQUIRED', { detail: missing.join(', ') }), []);
  }
  return undefined;
}

async function login(web: WebAuth, request: WebRequest): Promise<WebOutcome> {
  const returnTo =
    safeReturnTo(new URLSearchParams(request.search).get('returnTo')) ?? web.defaultReturnTo;
  const { url, state } = await startLogin(web.client, {
    redirectUri: web.redirectUri,
    scope: web.scope,
    returnTo,
    ...(web.resource ? { resource: web.resource } : {}),
  });
  const sealed = await seal({ ...state }, keys(web).login, web.loginTtl);
  return redirect(url.href, [cookie(web, web.cookies.login, sealed, web.loginTtl)]);
}

async function callback(web: WebAuth, request: WebRequest): Promise<WebOutcome> {
  const clearLogin = cookie(web, web.cookies.login, '', 0);
  const raw = readCookie(request.cookie, web.cookies.login);
  const payload = raw ? await unseal(raw, keys(web).login) : undefined;
  if (!payload) return failure(new SsoError('SSO_LOGIN_STATE_MISSING'), [clearLogin]);
  const state = payload as unknown as LoginState;
  try {
    const session = await finishLogin(web.client, request.search, state);
    const sessionCookie = await sessionCookieFor(web, session);
    const target = new URL(safeReturnTo(state.returnTo) ?? web.defaultReturnTo, web.baseUrl);
    return redirect(target.href, [clearLogin, sessionCookie]);
  } catch (error) {
    if (!isSsoError(error)) throw error;
    return failure(error, [clearLogin]);
  }
}

async function logout(web: WebAuth, request: WebRequest): Promise<WebOutcome> {
  const session = await readSession(web, request.cookie);
  if (session?.refreshToken) {
    // Best effort: the SSO session ends anyway; a refresh token of offline access would not.
    await revokeToken(web.client, session.refreshToken).catch(() => undefined);
  }
  const url = logoutUrl(web.client, {
    idTokenHint: session?.idToken,
    postLogoutRedirectUri: web.postLogoutRedirectUri,
  });
  return redirect(url.href, [cookie(web, web.cookies.session, '', 0)]);
}

async function loadSession(web: WebAuth, request: WebRequest): Promise<WebOutcome> {
  const raw = readCookie(request.cookie, web.cookies.session);
  if (!raw) return { type: 'continue', session: undefined, setCookies: [] };
  const clear = [cookie(web, web.cookies.session, '', 0)];
  const session = await readSession(web, request.cookie);
  if (!session) return { type: 'continue', session: undefined, setCookies: clear };
  if (!expiresSoon(session, web.refreshSkew)) {
    return { type: 'continue', session, setCookies: [] };
  }
  const expired = expiresSoon(session, 0);
  if (!session.refreshToken) {
    return expired
      ? { type: 'continue', session: undefined, setCookies: clear }
      : { type: 'continue', session, setCookies: [] };
  }
  try {
    const refreshed = await refreshSession(web.client, session);
    return {
      type: 'continue',
      session: refreshed,
      setCookies: [await sessionCookieFor(web, refreshed)],
    };
  } catch (error) {
    if (isSsoError(error, 'SSO_REFRESH_FAILED') && error.serverError === 'invalid_grant') {
      return { type: 'continue', session: undefined, setCookies: clear };
    }
    // SSO unreachable: carry on with the old token while it lasts, try again next request.
    return { type: 'continue', session: expired ? undefined : session, setCookies: [] };
  }
}

function redirect(location: string, setCookies: string[]): WebOutcome {
  return {
    type: 'respond',
    status: 302,
    headers: { location, 'cache-control': 'no-store' },
    body: '',
    setCookies,
  };
}

function failure(error: SsoError, setCookies: string[]): WebOutcome {
  return {
    type: 'respond',
    status: error.status,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
    body: `${error.message} (${error.code})\n`,
    setCookies,
  };
}
