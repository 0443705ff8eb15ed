// The HTML pages oidc-provider itself shows (error, logout, device flow), rendered with our EJS views.
// The engine hands us its forms as HTML strings; we take their action and hidden fields and render
// our own escaped form instead of inserting the engine's markup.
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import { renderPage } from '../../interactions/render.ts';
import { parseEngineForm } from '../../interactions/engine-form.ts';
import { backToApp, errorSentence } from '../../interactions/error-text.ts';
import type { Text } from '../../interactions/i18n/locales.ts';

type Features = NonNullable<Configuration['features']>;

/**
 * The engine's routes that people open in a browser; every other route is called by programs and
 * answers errors as JSON whatever the Accept header (RFC 6749 §5.2, RFC 7009, RFC 7662, RFC 8628,
 * RFC 9126, RFC 6750).
 */
export const BROWSER_ROUTES: ReadonlySet<string> = new Set([
  'authorization',
  'resume',
  'end_session',
  'end_session_confirm',
  'end_session_success',
  'code_verification',
  'device_resume',
]);

/**
 * `renderError`: for people, a page that says in their words what happened (error-text.ts), with
 * the OAuth error code in small print and a link back to the application when the engine knows it;
 * for programs, the OAuth error JSON (the engine renders a page for anyone whose Accept header
 * prefers HTML, as many HTTP clients' defaults do).
 */
export const renderError: NonNullable<Configuration['renderError']> = async (ctx, out, error) => {
  if (!BROWSER_ROUTES.has(ctx.oidc?.route ?? '')) {
    ctx.type = 'json';
    ctx.body = out;
    return;
  }
  const code = String(out.error ?? 'server_error');
  const status = (error as { status?: unknown } | undefined)?.status;
  await renderPage(ctx, 'error', {
    title: 'error.title',
    error: code,
    description: errorSentence(
      code,
      String(out.error_description ?? ''),
      typeof status === 'number' ? status : undefined,
    ),
    back: backToApp(ctx.oidc?.client),
  });
};

/** `features.rpInitiatedLogout`: the sign-out confirmation and signed-out pages. */
export const logoutPages: Pick<
  NonNullable<Features['rpInitiatedLogout']>,
  'logoutSource' | 'postLogoutSuccessSource'
> = {
  async logoutSource(ctx: KoaContextWithOIDC, form: string) {
    await renderPage(ctx, 'logout', {
      title: 'logout.title',
      form: parseEngineForm(form),
      clientName: clientName(ctx),
    });
  },
  async postLogoutSuccessSource(ctx: KoaContextWithOIDC) {
    await renderPage(ctx, 'logged-out', { title: 'loggedOut.title', clientName: clientName(ctx) });
  },
};

/**
 * `features.deviceFlow`: enter the code, confirm the device, done. `onWrongCode` hears of each code
 * entered that matches no device (for the guard against guessing them).
 */
export function devicePages(
  onWrongCode: (ctx: KoaContextWithOIDC) => Promise<void>,
): Pick<
  NonNullable<Features['deviceFlow']>,
  'userCodeInputSource' | 'userCodeConfirmSource' | 'successSource'
> {
  return {
    async userCodeInputSource(ctx, form, _out, error) {
      if (error?.name === 'NotFoundError') await onWrongCode(ctx);
      await deviceCodePage(ctx, form, error);
    },
    async userCodeConfirmSource(ctx, form, client, _deviceInfo, userCode) {
      await renderPage(ctx, 'device-confirm', {
        title: 'deviceConfirm.title',
        form: parseEngineForm(form),
        clientName: client.clientName ?? client.clientId,
        userCode,
      });
    },
    async successSource(ctx) {
      await renderPage(ctx, 'device-done', {
        title: 'deviceDone.title',
        clientName: clientName(ctx),
      });
    },
  };
}

async function deviceCodePage(ctx: KoaContextWithOIDC, form: string, error?: Error) {
  let message: Text | undefined;
  if (error && ('userCode' in error || error.name === 'NoCodeError')) {
    message = 'device.wrongCode';
  } else if (error?.name === 'AbortedError') {
    message = 'device.cancelled';
  } else if (error) {
    message = 'device.failed';
  }
  await renderPage(ctx, 'device-code', {
    title: 'device.title',
    form: parseEngineForm(form),
    message,
  });
}

function clientName(ctx: KoaContextWithOIDC): string | undefined {
  const client = ctx.oidc?.client;
  return client ? (client.clientName ?? client.clientId) : undefined;
}
