// Token verification for Express APIs: `req.auth` on success; 401/403 with `WWW-Authenticate`.
import { errorResponse } from './challenge.ts';
import type { TokenRequirements } from './claims.ts';
import { isSsoError } from './errors.ts';
import { headerValue, type ExpressMiddleware } from './frameworks.ts';
import { publicUrl, schemeOf } from './request-url.ts';
import { verifyRequest } from './verify-request.ts';
import type { Verifier } from './verifier.ts';

/**
 * Express middleware that lets a request through only with a valid access token meeting
 * `requirements`; sets `req.auth` (a VerifiedToken). Refusals are answered per RFC 6750.
 *
 * @example
 * ```ts
 * app.get('/orders', expressRequireToken(verifier, { scopes: ['orders:read'] }), listOrders);
 * ```
 */
export function expressRequireToken(
  verifier: Verifier,
  requirements: TokenRequirements = {},
): ExpressMiddleware {
  return async (req, res, next) => {
    try {
      const host = headerValue(req.headers.host) ?? 'localhost';
      const path = req.originalUrl ?? req.url ?? '/';
      req.auth = await verifyRequest(
        verifier,
        {
          method: req.method ?? 'GET',
          url: publicUrl(verifier, `${req.protocol ?? 'http'}://${host}${path}`),
          headers: { authorization: req.headers.authorization, dpop: req.headers.dpop },
        },
        requirements,
      );
    } catch (error) {
      if (!isSsoError(error)) return next(error);
      const answer = errorResponse(verifier, error, schemeOf(req.headers.authorization));
      for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
      res.statusCode = answer.status;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(answer.body));
      return;
    }
    next();
  };
}
