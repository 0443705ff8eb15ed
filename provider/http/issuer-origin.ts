// Every URL SSO publishes (discovery, redirects, the device verification URI, cookies' Secure flag)
// derives from the configured issuer, never from the Host or X-Forwarded-* headers a request
// brings: otherwise `Host: evil.example` would get discovery pointing there. Before anything reads
// them, the request's host and protocol headers are replaced by the issuer's, and both Koa apps
// (ours and the engine's) read them as a proxy's (`proxy: true`).
//
// The client's address is decided here too, once: the socket's, or, when SSO trusts its proxy
// (SSO_TRUST_PROXY), the last X-Forwarded-For entry, the one that proxy added (a client can put
// anything in front of it, never after it).
import type { Context, Middleware } from 'koa';

/** Makes every request look addressed to `issuer`'s origin and records the client's address. */
export function issuerOrigin(issuer: string, trustProxy: boolean): Middleware {
  const { host, protocol } = new URL(issuer);
  const scheme = protocol.slice(0, -1);
  return async (ctx, next) => {
    const forwarded = trustProxy ? lastForwardedFor(ctx) : undefined;
    (ctx.state as { clientAddress?: string }).clientAddress =
      forwarded ?? ctx.req.socket.remoteAddress ?? 'unknown';
    ctx.req.headers.host = host;
    ctx.req.headers['x-forwarded-proto'] = scheme;
    delete ctx.req.headers['x-forwarded-host'];
    await next();
  };
}

function lastForwardedFor(ctx: Context): string | undefined {
  const header = ctx.get('x-forwarded-for');
  const last = header.split(',').at(-1)?.trim();
  return last || undefined;
}
