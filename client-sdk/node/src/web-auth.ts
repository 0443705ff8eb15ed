// Web sign-in configuration: the app's URL, cookie secret(s), scopes, route paths and lifetimes,
// frozen into a WebAuth. The routes are in web-routes.ts, the session cookie in session-cookie.ts.
import type { Client } from './client.ts';
import { SsoError } from './errors.ts';
import { DEFAULT_LOGIN_SCOPE } from './login.ts';
import { sealKeys, type SealKeys } from './sealed.ts';

export interface WebAuthOptions {
  /**
   * The app's public URL: origin plus the path it is mounted at, e.g. `https://app.example.com`.
   * The redirect URI is this plus `paths.callback`; cookies are `Secure` when it is https.
   */
  baseUrl: string;
  /**
   * Secret for the cookies, at least 32 bytes; or several, newest first (the first encrypts,
   * all decrypt: rotate without signing everyone out).
   */
  secret: string | readonly string[];
  /** Scopes to ask for. Default `openid profile email`; add `groups` for `requireLogin` groups. */
  scope?: string;
  /** An API (resource indicator) the session's access token should be for. Default none. */
  resource?: string;
  /** Route paths, relative to `baseUrl`. Defaults `/login`, `/callback`, `/logout`. */
  paths?: { login?: string; callback?: string; logout?: string };
  /** Where users land after sign-in when they did not come from a page. Default `/`. */
  defaultReturnTo?: string;
  /** Where SSO sends users after sign-out (register it on the client). Default: SSO's own page. */
  postLogoutRedirectUri?: string;
  /** Seconds before the access token expires at which the session is refreshed. Default 60. */
  refreshSkew?: number;
  /** Seconds the session cookie lives (the longest a user stays signed in). Default 14 days. */
  sessionTtl?: number;
  /** Seconds a started sign-in may take. Default 600. */
  loginTtl?: number;
  /** Cookie names. Defaults `sso_session` and `sso_login`. */
  cookies?: { session?: string; login?: string };
}

/** Web sign-in configuration for one app. Frozen; made by createWebAuth. */
export interface WebAuth {
  readonly client: Client;
  readonly baseUrl: string;
  readonly redirectUri: string;
  readonly scope: string;
  readonly resource: string | undefined;
  readonly paths: { readonly login: string; readonly callback: string; readonly logout: string };
  readonly defaultReturnTo: string;
  readonly postLogoutRedirectUri: string | undefined;
  readonly refreshSkew: number;
  readonly sessionTtl: number;
  readonly loginTtl: number;
  readonly cookies: { readonly session: string; readonly login: string };
}

/** The sealing keys of a WebAuth's two cookies. */
export interface WebAuthKeys {
  session: SealKeys;
  login: SealKeys;
}

const keysOf = new WeakMap<WebAuth, WebAuthKeys>();

/**
 * The web sign-in configuration of an app, for `koaWebAuth` / `expressWebAuth`.
 *
 * @example
 * ```ts
 * const web = createWebAuth(client, {
 *   baseUrl: 'https://app.example.com',
 *   secret: process.env.SESSION_SECRET!,
 *   scope: 'openid profile email groups',
 * });
 * ```
 */
export function createWebAuth(client: Client, options: WebAuthOptions): WebAuth {
  let base: URL;
  try {
    base = new URL(options.baseUrl);
  } catch (error) {
    throw new SsoError('SSO_CONFIGURATION_INVALID', {
      detail: `baseUrl "${options.baseUrl}" is not a URL`,
      cause: error,
    });
  }
  const baseUrl = base.href.replace(/\/$/, '');
  const paths = {
    login: routePath(options.paths?.login ?? '/login'),
    callback: routePath(options.paths?.callback ?? '/callback'),
    logout: routePath(options.paths?.logout ?? '/logout'),
  };
  const web: WebAuth = Object.freeze({
    client,
    baseUrl,
    redirectUri: `${baseUrl}${paths.callback}`,
    scope: options.scope ?? DEFAULT_LOGIN_SCOPE,
    resource: options.resource,
    paths: Object.freeze(paths),
    defaultReturnTo:
      safeReturnTo(options.defaultReturnTo) ?? `${base.pathname.replace(/\/$/, '')}/`,
    postLogoutRedirectUri: options.postLogoutRedirectUri,
    refreshSkew: options.refreshSkew ?? 60,
    sessionTtl: options.sessionTtl ?? 14 * 24 * 3600,
    loginTtl: options.loginTtl ?? 600,
    cookies: Object.freeze({
      session: options.cookies?.session ?? 'sso_session',
      login: options.cookies?.login ?? 'sso_login',
    }),
  });
  keysOf.set(web, {
    session: sealKeys(options.secret, 'session cookie'),
    login: sealKeys(options.secret, 'login cookie'),
  });
  return web;
}

/** The cookie keys of `web` (package-internal). */
export function keys(web: WebAuth): WebAuthKeys {
  const found = keysOf.get(web);
  if (!found) {
    throw new SsoError('SSO_CONFIGURATION_INVALID', { detail: 'not made by createWebAuth()' });
  }
  return found;
}

function routePath(path: string): string {
  if (!path.startsWith('/')) {
    throw new SsoError('SSO_CONFIGURATION_INVALID', { detail: `path "${path}" must start with /` });
  }
  return path;
}

/** `value` if it is a path on this origin (not `//evil.example` or a URL), else undefined. */
export function safeReturnTo(value: string | null | undefined): string | undefined {
  if (!value || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) {
    return undefined;
  }
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f]/.test(value) ? undefined : value;
}
