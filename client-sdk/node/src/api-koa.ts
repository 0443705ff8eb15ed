// Token verification for Koa APIs: `ctx.state.auth` on success; 401/403 with `WWW-Authenticate`.
import { errorResponse } from './challenge.ts';
import type { TokenRequirements } from './claims.ts';
import { isSsoError } from './errors.ts';
import { ssoState, type KoaMiddleware } from './frameworks.ts';
import { verifyRequest } from './verify-request.ts';
import type { Verifier } from './verifier.ts';
import { publicUrl, schemeOf } from './request-url.ts';

/**
 * Koa middleware that lets a request through only with a valid access token meeting
 * `requirements`; sets `ctx.state.auth` (a VerifiedToken). Refusals are answered per RFC 6750.
 *
 * @example
 * ```ts
 * router.get('/orders', koaRequireToken(verifier, { scopes: ['orders:read'] }), listOrders);
 * ```
 */
export function koaRequireToken(
  verifier: Verifier,
  requirements: TokenRequirements = {},
): KoaMiddleware {
  return async (ctx, next) => {
    try {
      ssoState(ctx).auth = await verifyRequest(
        verifier,
        {
          method: ctx.method,
          url: publicUrl(verifier, ctx.href),
          headers: { authorization: ctx.headers.authorization, dpop: ctx.headers.dpop },
        },
        requirements,
      );
    } catch (error) {
      if (!isSsoError(error)) throw error;
      const answer = errorResponse(verifier, error, schemeOf(ctx.headers.authorization));
      for (const [name, value] of Object.entries(answer.headers)) ctx.set(name, value);
      ctx.status = answer.status;
      ctx.body = answer.body;
      return;
    }
    await next();
  };
}
