// The device flow's code entry (POST /device) is where a guessed user code would connect an
// attacker's device to someone's account. An address that entered too many wrong codes (see
// SignInGuard) is refused here, before the engine looks the code up.
//
// A device page submitted without the session cookie that the code entry page set (cookies
// blocked, or the form posted from elsewhere) is answered here too: the engine would fail on it
// with a 500 (it tries to save a session it never stored while showing the error).
import type { Middleware } from 'koa';
import { retryMessage } from '../../interactions/messages.ts';
import { renderPage } from '../../interactions/render.ts';
import { addressKey, clientAddress } from './client-address.ts';
import type { SignInGuard } from './sign-in-guard.ts';

/** oidc-provider's default path of the page where people enter a device's code. */
export const DEVICE_CODE_PATH = '/device';

/** The engine's session cookie (oidc-provider's default name). */
const SESSION_COOKIE = '_session';

/** Refuses code entry from an address that guessed too often (429, the error page). */
export function deviceCodeGate(guard: SignInGuard, basePath: string): Middleware {
  const path = `${basePath}${DEVICE_CODE_PATH}`;
  return async (ctx, next) => {
    // The code entry form (POST /device) and the device flow's resume (GET /device/<id>), but not
    // the code entry page itself (GET /device, /device/), which starts a session.
    const isEntry = ctx.path === path || ctx.path === `${path}/`;
    // The device authorization endpoint takes POST only; the engine would take any other method
    // for a device page called "auth".
    if (ctx.path === `${path}/auth` && ctx.method !== 'POST' && ctx.method !== 'OPTIONS') {
      ctx.status = 405;
      ctx.set('Allow', 'POST, OPTIONS');
      ctx.body = {
        error: 'invalid_request',
        error_description: `${ctx.method} is not allowed here (use POST)`,
      };
      return;
    }
    const devicePage =
      (ctx.method === 'POST' && isEntry) ||
      ((ctx.method === 'GET' || ctx.method === 'HEAD') &&
        ctx.path.startsWith(`${path}/`) &&
        !isEntry);
    if (devicePage && !ctx.cookies.get(SESSION_COOKIE, { signed: true })) {
      await renderPage(ctx, 'error', {
        title: 'device.title',
        error: 'invalid_request',
        description: 'device.expired',
        back: undefined,
      });
      ctx.status = 400;
      return;
    }
    const refusal =
      ctx.method === 'POST' && (ctx.path === path || ctx.path === `${path}/`)
        ? await guard.deviceCodeAllowed(addressKey(clientAddress(ctx)))
        : undefined;
    if (!refusal) {
      await next();
      return;
    }
    ctx.set('Retry-After', String(refusal.retryAfter));
    ctx.set('Cache-Control', 'no-store');
    await renderPage(ctx, 'error', {
      title: 'device.title',
      error: 'temporarily_unavailable',
      description: retryMessage('address', refusal.retryAfter),
      back: undefined,
    });
    ctx.status = 429;
  };
}
