// The self-registration pages, relative to the issuer's path: `/register` takes a username, an
// email address and a password, and always answers "check your email" (once the input meets the
// rules); `/register/verify?token=…` (the link in the mail) asks to confirm, and confirming creates
// the account. Without SSO_SELF_REGISTRATION every route answers that registration is not offered
// here (404); without a mail server, that it is not set up.
import Router from '@koa/router';
import type { Context } from 'koa';
import { errorKind } from '../provider/error-kinds.ts';
import { isDead } from '../provider/people/link-state.ts';
import { PEOPLE_PATHS } from '../provider/people/paths.ts';
import type { Registration } from '../provider/people/registration.ts';
import { clientAddress } from '../provider/security/client-address.ts';
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

/** The routes of the registration pages. */
export function registrationRoutes(registration: Registration): Router {
  const router = new Router();
  const again = (ctx: Context) => ({
    href: `${basePathOf(ctx)}${PEOPLE_PATHS.register}`,
    text: 'register.again' as const,
  });
  const available = async (ctx: Context, next: () => Promise<unknown>) => {
    if (registration.enabled) return next();
    await showMessage(ctx, 404, {
      title: 'register.title',
      message: registration.offered ? 'register.noMail' : 'register.off',
    });
  };

  router.get(PEOPLE_PATHS.register, available, async (ctx) => {
    await showForm(ctx, { username: '', email: '' });
  });

  router.post(PEOPLE_PATHS.register, available, peopleForm, async (ctx) => {
    const body = formFields(ctx);
    const input = {
      username: field(body.username).trim(),
      email: field(body.email).trim(),
      password: field(body.password),
    };
    const values = { username: input.username, email: input.email };
    if (!input.username || !input.email || !input.password) {
      await showForm(ctx, values, 'register.missing', 400);
      return;
    }
    if (input.password !== field(body.repeat)) {
      await showForm(ctx, values, 'password.differ', 400);
      return;
    }
    let retryAfter: number | undefined;
    try {
      retryAfter = await registration.request(input, clientAddress(ctx));
    } catch (error) {
      const known = errorKind(error);
      if (known.kind !== 'invalid') throw error;
      await showForm(ctx, values, ruleText(known.message), 400);
      return;
    }
    if (retryAfter !== undefined) {
      await showTooMany(ctx, retryAfter);
      return;
    }
    // The same page whether or not the address has an account (that mailbox is told instead).
    await showMessage(ctx, 200, {
      title: 'mail.checkTitle',
      message: { key: 'register.sent', values: { time: { seconds: registration.linkTtl } } },
      more: 'register.sentMore',
    });
  });

  router.get(PEOPLE_PATHS.verify, available, async (ctx) => {
    const token = field(ctx.query.token);
    const pending = await registration.check(token);
    if (isDead(pending)) {
      await showDeadLink(ctx, pending, again(ctx));
      return;
    }
    await renderPage(ctx, 'register-confirm', {
      title: 'register.confirmTitle',
      token,
      username: pending.username,
      email: pending.email,
    });
  });

  router.post(PEOPLE_PATHS.verify, available, peopleForm, async (ctx) => {
    const done = await registration.complete(field(formFields(ctx).token), clientAddress(ctx));
    if (isDead(done)) {
      await showDeadLink(ctx, done, again(ctx));
      return;
    }
    if (done.state === 'taken') {
      await showMessage(ctx, 409, {
        title: 'register.notCreatedTitle',
        message:
          done.field === 'username'
            ? { key: 'register.usernameTaken', values: { username: done.username } }
            : 'register.emailTaken',
        link:
          done.field === 'username'
            ? again(ctx)
            : { href: `${basePathOf(ctx)}${PEOPLE_PATHS.forgot}`, text: 'register.resetLink' },
      });
      return;
    }
    await showMessage(ctx, 200, {
      title: 'register.doneTitle',
      message: { key: 'register.done', values: { username: done.account.username } },
      more: 'register.doneMore',
    });
  });

  return router;
}

async function showForm(
  ctx: Context,
  values: { username: string; email: string },
  error?: Text,
  status = 200,
): Promise<void> {
  await renderPage(ctx, 'register', {
    title: 'register.title',
    values,
    error,
    returnUid: returnUid(ctx),
  });
  ctx.status = status;
}
