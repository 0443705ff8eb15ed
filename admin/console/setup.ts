// The first-run setup page (`/admin/setup?token=…`): while there is no administrator, the one-time
// link printed at start-up lets its holder choose the first administrator's username and password.
// The link's token is the form's proof (it is single use), so the page needs no session.
import type Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import type { FirstRun } from '../../provider/administration/first-run.ts';
import { errorKind } from '../../provider/error-kinds.ts';
import { clientAddress } from '../../provider/security/client-address.ts';
import { text } from './forms.ts';

export interface SetupDeps {
  firstRun: FirstRun;
  root: string;
  show: (
    ctx: Context,
    view: string,
    locals: Record<string, unknown>,
    status?: number,
  ) => Promise<void>;
}

/** Registers GET and POST `/setup` on the console's router. */
export function setupPages(router: Router, { firstRun, show, root }: SetupDeps): void {
  const form = bodyParser({ enableTypes: ['form'], formLimit: '16kb', encoding: 'utf-8' });
  const invalid = (ctx: Context) =>
    show(
      ctx,
      'message',
      {
        title: 'Setup link not valid',
        message:
          'This setup link has been used, has expired, or is not needed any more: an administrator exists. Sign in to the console instead, or restart SSO for a new link while there is no administrator.',
        code: 'invalid_setup_link',
        link: { href: root, text: 'Go to the console' },
      },
      403,
    );

  router.get('/setup', async (ctx) => {
    const token = typeof ctx.query.token === 'string' ? ctx.query.token : '';
    if (!(await firstRun.isUsable(token))) {
      await invalid(ctx);
      return;
    }
    ctx.set('Referrer-Policy', 'no-referrer');
    await show(ctx, 'setup', { title: 'Create the first administrator', token, values: {} });
  });

  router.post('/setup', form, async (ctx) => {
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const token = text(body, 'token');
    const username = text(body, 'username');
    const password = typeof body.password === 'string' ? body.password : '';
    const again = (error: string) =>
      show(
        ctx,
        'setup',
        { title: 'Create the first administrator', token, values: { username }, error },
        400,
      );
    if (password !== body.repeat) {
      await again('The two passwords differ.');
      return;
    }
    try {
      await firstRun.complete(token, username, password, clientAddress(ctx));
    } catch (error) {
      const known = errorKind(error);
      if (known.kind === 'forbidden') {
        await invalid(ctx);
        return;
      }
      if (known.kind === 'invalid') {
        await again(known.message);
        return;
      }
      throw error;
    }
    await show(ctx, 'message', {
      title: 'Administrator created',
      message: `${username.toLowerCase()} is an administrator. Sign in to the console with that username and password.`,
      link: { href: root, text: 'Sign in to the console' },
    });
  });
}
