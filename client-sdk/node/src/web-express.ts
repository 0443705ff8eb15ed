// Web sign-in for Express (4 and 5): the sign-in routes, and `req.sso` (the Session) on every other
// request. Only Node's own request/response methods are used, so `node:http` handlers work too.
import { headerValue, type ExpressMiddleware, type ExpressResponseLike } from './frameworks.ts';
import type { WebAuth } from './web-auth.ts';
import { guardLogin, handleWebRequest, type WebOutcome } from './web-routes.ts';

/**
 * Express middleware: serves the sign-in routes (`/login`, `/callback`, `/logout`) and sets
 * `req.sso` to the signed-in user's Session (refreshed when needed) on every other request.
 *
 * @example
 * ```ts
 * app.use(expressWebAuth(web));
 * app.get('/', (req: Request & SsoRequest, res) => {
 *   res.send(req.sso ? `Hello ${String(req.sso.claims.name)}` : 'Hello stranger');
 * });
 * ```
 */
export function expressWebAuth(web: WebAuth): ExpressMiddleware {
  return async (req, res, next) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const outcome = await handleWebRequest(web, {
        method: req.method ?? 'GET',
        path: url.pathname,
        search: url.search,
        originalUrl: req.originalUrl ?? req.url ?? '/',
        cookie: headerValue(req.headers.cookie),
      });
      if (outcome.type === 'respond') return respond(res, outcome);
      appendCookies(res, outcome.setCookies);
      req.sso = outcome.session;
    } catch (error) {
      return next(error);
    }
    next();
  };
}

/**
 * Express middleware for routes that need a signed-in user (after `expressWebAuth`): redirects to
 * sign-in (GET) or answers 401; with `groups`, answers 403 unless the user is in every one of them.
 *
 * @example
 * ```ts
 * app.get('/admin', expressRequireLogin(web, { groups: ['admins'] }), showAdmin);
 * ```
 */
export function expressRequireLogin(
  web: WebAuth,
  options: { groups?: readonly string[] } = {},
): ExpressMiddleware {
  return async (req, res, next) => {
    const refusal = guardLogin(
      web,
      { method: req.method ?? 'GET', originalUrl: req.originalUrl ?? req.url ?? '/' },
      req.sso,
      options.groups,
    );
    if (refusal?.type === 'respond') return respond(res, refusal);
    next();
  };
}

function respond(
  res: ExpressResponseLike,
  outcome: Extract<WebOutcome, { type: 'respond' }>,
): void {
  appendCookies(res, outcome.setCookies);
  for (const [name, value] of Object.entries(outcome.headers)) res.setHeader(name, value);
  res.statusCode = outcome.status;
  res.end(outcome.body);
}

// Adds Set-Cookie values, keeping any the app already set.
function appendCookies(res: ExpressResponseLike, cookies: readonly string[]): void {
  if (cookies.length === 0) return;
  const existing = res.getHeader('set-cookie');
  const before =
    existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  res.setHeader('set-cookie', [...before, ...cookies]);
}
