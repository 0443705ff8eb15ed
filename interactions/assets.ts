// The static files the pages use, served from our own origin (no CDN): Bootstrap's CSS from
// node_modules (and its right-to-left build), our stylesheet, the organisation's generated one
// (branding.ts), and the admin console's stylesheet and copy-button script. Read once, kept in
// memory, cached by browsers for a day.
import type { Middleware } from 'koa';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrandSettings } from '../provider/config.ts';
import { brandCss } from './branding.ts';

const require = createRequire(import.meta.url);

const FILES: Record<string, string> = {
  'bootstrap.min.css': require.resolve('bootstrap/dist/css/bootstrap.min.css'),
  'bootstrap.rtl.min.css': require.resolve('bootstrap/dist/css/bootstrap.rtl.min.css'),
  'sso.css': fileURLToPath(new URL('./assets/sso.css', import.meta.url)),
  'passkey.js': fileURLToPath(new URL('./assets/passkey.js', import.meta.url)),
  // The package exports no path to its browser bundle: found next to its resolved entry point.
  'webauthn.js': join(
    dirname(require.resolve('@simplewebauthn/browser')),
    '..',
    'dist/bundle/index.umd.min.js',
  ),
  'console.css': fileURLToPath(new URL('../admin/console/assets/console.css', import.meta.url)),
  'console.js': fileURLToPath(new URL('../admin/console/assets/console.js', import.meta.url)),
};

/** Middleware answering GET `/assets/<name>` for the files above and `brand.css` of `brand`. */
export function assets(brand: Readonly<BrandSettings>): Middleware {
  const contents = new Map(
    Object.entries(FILES).map(([name, path]) => [`/assets/${name}`, readFileSync(path)]),
  );
  contents.set('/assets/brand.css', Buffer.from(brandCss(brand)));
  return async (ctx, next) => {
    const body = ctx.method === 'GET' || ctx.method === 'HEAD' ? contents.get(ctx.path) : undefined;
    if (!body) {
      await next();
      return;
    }
    ctx.type = ctx.path.endsWith('.js')
      ? 'text/javascript; charset=utf-8'
      : 'text/css; charset=utf-8';
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.body = body;
  };
}
