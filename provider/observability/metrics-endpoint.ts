// Where Prometheus scrapes: a port of its own (SSO_METRICS_PORT, only /metrics), or /metrics on the
// main port for requests bearing SSO_METRICS_TOKEN.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Middleware } from 'koa';
import type { Metrics } from './metrics.ts';

/** A server answering GET /metrics with `metrics` and 404 to anything else. */
export function metricsServer(metrics: Metrics): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    metrics.render().then(
      (text) => {
        res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      () => res.writeHead(500).end(),
    );
  });
}

/** The Koa handler of /metrics on the main port: the exposition, for the right bearer token only. */
export function metricsRoute(metrics: Metrics, token: string): Middleware {
  const expected = createHash('sha256').update(token).digest();
  return async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const header = ctx.get('authorization');
    const given = /^Bearer (\S+)$/i.exec(header)?.[1] ?? '';
    // Compared as digests, in constant time whatever their lengths.
    if (!timingSafeEqual(createHash('sha256').update(given).digest(), expected)) {
      ctx.status = 401;
      ctx.set('WWW-Authenticate', 'Bearer realm="metrics"');
      ctx.body = { error: 'invalid_token', error_description: 'the metrics token is required' };
      return;
    }
    ctx.type = metrics.contentType;
    ctx.body = await metrics.render();
  };
}
