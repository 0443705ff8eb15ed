// One JSON line per request (`"msg":"request"`), and the hook where request metrics are counted.
// The line names the route's template, never the path or query (which carry codes, tokens and ids),
// and no header but the request id: no cookie, no Authorization, no secret.
import type { Middleware } from 'koa';
import type { Logger } from '../log.ts';
import { requestIdFrom } from './request-id.ts';
import { routeLabel } from './route-label.ts';

/** What a finished request reports to metrics. */
export type RequestObserver = (
  route: string,
  method: string,
  status: number,
  seconds: number,
) => void;

export interface AccessLogOptions {
  basePath: string;
  log: Logger;
  /** Write the access log line (SSO_ACCESS_LOG); the request id is set either way. */
  accessLog: boolean;
  /** Counts the request (metrics), when metrics are on. */
  observe?: RequestObserver;
  /**
   * While `draining` (shutting down), answers carry `Connection: close`, so that a keep-alive
   * client sends no further request on a connection that is about to close.
   */
  lifecycle?: { readonly draining: boolean };
}

/** Sets the request id (ctx.state.requestId, X-Request-Id) and logs and counts each request. */
export function accessLog({
  basePath,
  log,
  accessLog: write,
  observe,
  lifecycle,
}: AccessLogOptions): Middleware {
  return async (ctx, next) => {
    const started = performance.now();
    const requestId = requestIdFrom(ctx.req.headers['x-request-id']);
    ctx.state.requestId = requestId;
    ctx.set('X-Request-Id', requestId);
    let status = 0;
    try {
      await next();
      status = ctx.status;
      if (lifecycle?.draining) ctx.set('Connection', 'close');
    } catch (error) {
      // Koa answers what escaped every handler (the error boundary catches nearly all).
      const code = (error as { status?: unknown; statusCode?: unknown }).status;
      status = typeof code === 'number' && code >= 400 && code < 600 ? code : 500;
      throw error;
    } finally {
      const ms = performance.now() - started;
      const route = routeLabel(ctx, basePath);
      observe?.(route, ctx.method, status, ms / 1000);
      if (write) {
        const clientId = (ctx as { oidc?: { client?: { clientId?: unknown } } }).oidc?.client
          ?.clientId;
        log.info('request', {
          requestId,
          method: ctx.method,
          route,
          status,
          durationMs: Math.round(ms * 10) / 10,
          ...(typeof clientId === 'string' ? { clientId } : {}),
        });
      }
    }
  };
}
