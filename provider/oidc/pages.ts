// The HTML pages oidc-provider itself shows (error, logout, device flow), rendered with our EJS views.
// The engine hands us its forms as HTML strings; we take their action and hidden fields and render
// our own escaped form instead of inserting the engine's markup.
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import { renderPage } from '../../interactions/render.ts';
import { parseEngineForm } from '../../interactions/engine-form.ts';

type Features = NonNullable<Configuration['features']>;

/** `renderError`: a readable error page with the OAuth error code and description, no internals. */
export const renderError: NonNullable<Configuration['renderError']> = async (ctx, out) => {
  await renderPage(ctx, 'error', {
    title: 'Something went wrong',
    error: String(out.error ?? 'server_error'),
    description: String(out.error_description ?? 'The request could not be completed.'),
  });
};

/** `features.rpInitiatedLogout`: the sign-out confirmation and signed-out pages. */
export const logoutPages: Pick<
  NonNullable<Features['rpInitiatedLogout']>,
  'logoutSource' | 'postLogoutSuccessSource'
> = {
  async logoutSource(ctx: KoaContextWithOIDC, form: string) {
    await renderPage(ctx, 'logout', {
      title: 'Sign out',
      form: parseEngineForm(form),
      clientName: clientName(ctx),
    });
  },
  async postLogoutSuccessSource(ctx: KoaContextWithOIDC) {
    await renderPage(ctx, 'logged-out', { title: 'Signed out', clientName: clientName(ctx) });
  },
};

/** `features.deviceFlow`: enter the code, confirm the device, done. */
export const devicePages: Pick<
  NonNullable<Features['deviceFlow']>,
  'userCodeInputSource' | 'userCodeConfirmSource' | 'successSource'
> = {
  async userCodeInputSource(ctx, form, _out, error) {
    let message: string | undefined;
    if (error && ('userCode' in error || error.name === 'NoCodeError')) {
      message = 'That code is not valid. Check it and try again.';
    } else if (error?.name === 'AbortedError') {
      message = 'The sign-in request was cancelled.';
    } else if (error) {
      message = 'The request could not be completed. Try again.';
    }
    await renderPage(ctx, 'device-code', {
      title: 'Connect a device',
      form: parseEngineForm(form),
      message,
    });
  },
  async userCodeConfirmSource(ctx, form, client, _deviceInfo, userCode) {
    await renderPage(ctx, 'device-confirm', {
      title: 'Confirm the device',
      form: parseEngineForm(form),
      clientName: client.clientName ?? client.clientId,
      userCode,
    });
  },
  async successSource(ctx) {
    await renderPage(ctx, 'device-done', {
      title: 'Device connected',
      clientName: clientName(ctx),
    });
  },
};

function clientName(ctx: KoaContextWithOIDC): string | undefined {
  const client = ctx.oidc?.client;
  return client ? (client.clientName ?? client.clientId) : undefined;
}
