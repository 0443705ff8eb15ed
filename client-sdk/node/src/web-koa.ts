// Web sign-in for Koa: the sign-in routes, and `ctx.state.sso` (the Session) on every other request.
import { headerValue, ssoState, type KoaContextLike, type KoaMiddleware } from './frameworks.ts';
import type { WebAuth } from './web-auth.ts';
import { guardLogin, handleWebRequest, type WebOutcome } from './web-routes.ts';

/**
 * Koa middleware: serves the sign-in routes (`/login`, `/callback`, `/logout`) and sets
 * `ctx.state.sso` to the signed-in user's Session (refreshed when needed) on every other request.
 *
 * @example
 * ```ts
 * app.use(koaWebAuth(web));
 * app.use(async (ctx) => {
 *   const user = ctx.state.sso?.claims;
 *   ctx.body = user ? `Hello ${String(user.name)}` : 'Hello stranger';
 * });
 * ```
 */
export function koaWebAuth(web: WebAuth): KoaMiddleware {
  return async (ctx, next) => {
    const outcome = await handleWebRequest(web, {
      method: ctx.method,
      path: ctx.path,
      search: ctx.querystring ? `?${ctx.querystring}` : '',
      originalUrl: ctx.originalUrl,
      cookie: headerValue(ctx.headers.cookie),
    });
    if (outcome.type === 'respond') return respond(ctx, outcome);
    if (outcome.setCookies.length > 0) ctx.append('Set-Cookie', outcome.setCookies);
    ssoState(ctx).sso = outcome.session;
    await next();
  };
}

/**
 * Koa middleware for routes that need a signed-in user (after `koaWebAuth`): redirects to sign-in
 * (GET) or answers 401; with `groups`, answers 403 unless the user is in every one of them.
 *
 * @example
 * ```ts
 * router.get('/admin', koaRequireLogin(web, { groups: ['admins'] }), showAdmin);
 * ```
 */
export function koaRequireLogin(
  web: WebAuth,
  options: { groups?: readonly string[] } = {},
): KoaMiddleware {
  return async (ctx, next) => {
    const refusal = guardLogin(web, ctx, ssoState(ctx).sso, options.groups);
    if (refusal?.type === 'respond') return respond(ctx, refusal);
    await next();
  };
}

function respond(ctx: KoaContextLike, outcome: Extract<WebOutcome, { type: 'respond' }>): void {
  if (outcome.setCookies.length > 0) ctx.append('Set-Cookie', outcome.setCookies);
  for (const [name, value] of Object.entries(outcome.headers)) ctx.set(name, value);
  ctx.status = outcome.status;
  ctx.body = outcome.body;
}
