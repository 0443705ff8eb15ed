// Headers on every response: a strict Content-Security-Policy (no inline script or style, nothing
// from other origins, no framing, forms only to where the sign-in is going), HSTS when the issuer is
// https, no caching of any page (pages show who is signed in), and the usual hardening headers.
// oidc-provider adds the hash of its own inline script (form_post) to script-src where it needs one.
import type { Context, Middleware } from 'koa';

// `images`: other origins pages may show images from (the organisation's logo).
const csp = (images: readonly string[]) =>
  [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    ['img-src', "'self'", 'data:', ...images].join(' '),
    "font-src 'self'",
    "connect-src 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; ');

const ONE_YEAR = 31_536_000;

/**
 * Lets a page's forms lead to `url`'s origin: a form submitted on the page (and the redirects that
 * follow it, which browsers check too) may end at the application the person signs in to.
 */
export function allowFormAction(ctx: Context, url: unknown): void {
  const source = formActionSource(url);
  if (!source) return;
  const state = ctx.state as { formActions?: Set<string> };
  (state.formActions ??= new Set()).add(source);
}

/**
 * Sets the security headers; `https` when the issuer is https, `logoUrl` the organisation's logo
 * (whose origin may then serve images).
 */
export function securityHeaders(https: boolean, logoUrl?: string): Middleware {
  const CSP = csp(logoUrl?.startsWith('https:') ? [new URL(logoUrl).origin] : []);
  return async (ctx, next) => {
    ctx.set('Content-Security-Policy', CSP);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
    if (https) ctx.set('Strict-Transport-Security', `max-age=${ONE_YEAR}`);
    try {
      await next();
    } finally {
      // The Content-Type header as set (Koa sets it with the body), without parsing it per request.
      const type = ctx.response.get('Content-Type');
      if (typeof type === 'string' && type.startsWith('text/html')) finishPage(ctx);
    }
  };
}

// An HTML page: never cached, and its forms may go where the sign-in or sign-out is going.
function finishPage(ctx: Context): void {
  ctx.set('Cache-Control', 'no-store');
  const { oidc } = ctx as { oidc?: { params?: Record<string, unknown> } };
  allowFormAction(ctx, oidc?.params?.redirect_uri);
  allowFormAction(ctx, oidc?.params?.post_logout_redirect_uri);
  const extra = (ctx.state as { formActions?: Set<string> }).formActions;
  if (!extra?.size) return;
  const csp = ctx.response.get('Content-Security-Policy');
  ctx.set(
    'Content-Security-Policy',
    csp.replace(/form-action 'self'/, `form-action 'self' ${[...extra].join(' ')}`),
  );
}

// The CSP source for a redirect URI: its origin, or its scheme for a native app's custom scheme.
function formActionSource(url: unknown): string | undefined {
  if (typeof url !== 'string') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol === 'https:' || parsed.protocol === 'http:') return parsed.origin;
  return /^[a-z][a-z0-9+.-]*:$/.test(parsed.protocol) ? parsed.protocol : undefined;
}
