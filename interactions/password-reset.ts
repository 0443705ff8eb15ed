// The password-reset pages, relative to the issuer's path: `/password/forgot` asks for a username or
// email and always answers the same page; `/password/reset?token=…` (the link in the mail) shows the
// form for the new password, and setting it signs the person out everywhere. Opening the link only
// shows the form (mail scanners that fetch links spend nothing); the password form spends it. Without
// a mail server every route answers that reset by email is not set up here.
import Router from '@koa/router';
import type { Context } from 'koa';
import { errorKind } from '../provider/error-kinds.ts';
import { clientAddress } from '../provider/security/client-address.ts';
import { PEOPLE_PATHS } from '../provider/people/paths.ts';
import type { PasswordReset } from '../provider/people/password-reset.ts';
import { isDead } from '../provider/people/link-state.ts';
import {
  basePathOf,
  field,
  formFields,
  peopleForm,
  returnUid,
  showDeadLink,
  showMessage,
  showTooMany,
} from './people-pages.ts';
import type { Text } from './i18n/locales.ts';
import { ruleText } from './messages.ts';
import { renderPage } from './render.ts';

/** The routes of the password-reset pages. */
export function passwordResetRoutes(reset: PasswordReset): Router {
  const router = new Router();
  const again = (ctx: Context) => ({
    href: `${basePathOf(ctx)}${PEOPLE_PATHS.forgot}`,
    text: 'forgot.again' as const,
  });
  // Every route answers the "not set up" page while there is no mail server.
  const needsMail = async (ctx: Context, next: () => Promise<unknown>) => {
    if (reset.enabled) return next();
    await showMessage(ctx, 404, {
      title: 'forgot.offTitle',
      message: 'forgot.off',
    });
  };

  router.get(PEOPLE_PATHS.forgot, needsMail, async (ctx) => {
    await showForgot(ctx);
  });

  router.post(PEOPLE_PATHS.forgot, needsMail, peopleForm, async (ctx) => {
    const login = field(formFields(ctx).login).trim();
    if (!login) {
      await showForgot(ctx, 'forgot.missing', 400);
      return;
    }
    const retryAfter = await reset.request(login, clientAddress(ctx));
    if (retryAfter !== undefined) {
      await showTooMany(ctx, retryAfter);
      return;
    }
    // The same page whatever `login` names: it says nothing of it, not even what was typed.
    await showMessage(ctx, 200, {
      title: 'mail.checkTitle',
      message: { key: 'forgot.sent', values: { time: { seconds: reset.linkTtl } } },
      more: 'forgot.sentMore',
    });
  });

  router.get(PEOPLE_PATHS.reset, needsMail, async (ctx) => {
    const token = field(ctx.query.token);
    const usable = await reset.check(token);
    if (isDead(usable)) {
      await showDeadLink(ctx, usable, again(ctx));
      return;
    }
    await showNewPassword(ctx, token, usable.account.username);
  });

  router.post(PEOPLE_PATHS.reset, needsMail, peopleForm, async (ctx) => {
    const body = formFields(ctx);
    const token = field(body.token);
    const password = field(body.password);
    const usable = await reset.check(token);
    if (isDead(usable)) {
      await showDeadLink(ctx, usable, again(ctx));
      return;
    }
    const username = usable.account.username;
    if (!password) {
      await showNewPassword(ctx, token, username, 'newPassword.missing', 400);
      return;
    }
    if (password !== field(body.repeat)) {
      await showNewPassword(ctx, token, username, 'password.differ', 400);
      return;
    }
    let done;
    try {
      done = await reset.complete(token, password, clientAddress(ctx));
    } catch (error) {
      const known = errorKind(error);
      if (known.kind !== 'invalid') throw error;
      await showNewPassword(ctx, token, username, ruleText(known.message), 400);
      return;
    }
    if (isDead(done)) {
      await showDeadLink(ctx, done, again(ctx));
      return;
    }
    await showMessage(ctx, 200, {
      title: 'newPassword.doneTitle',
      message: { key: 'newPassword.done', values: { username: done.account.username } },
      more: 'newPassword.doneMore',
    });
  });

  return router;
}

async function showForgot(ctx: Context, error?: Text, status = 200): Promise<void> {
  await renderPage(ctx, 'forgot-password', {
    title: 'forgot.title',
    error,
    returnUid: returnUid(ctx),
  });
  ctx.status = status;
}

async function showNewPassword(
  ctx: Context,
  token: string,
  username: string,
  error?: Text,
  status = 200,
): Promise<void> {
  await renderPage(ctx, 'new-password', { title: 'newPassword.title', token, username, error });
  ctx.status = status;
}
