// The account page (`<issuer>/account`): people manage their own account after signing in through
// SSO (the first-party client `sso-account`, code flow with PKCE): the profile fields they may
// edit, their password (the current one required), an authenticator app, recovery codes and
// passkeys, their sessions and the apps they allowed (each revocable), and their recent sign-ins.
// Sessions and CSRF as in the admin console; every change is in the audit log as their own.
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import ejs from 'ejs';
import type { Context, Middleware } from 'koa';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Account } from '../../adapters/store.ts';
import { csrfMatches, SessionCookie } from '../../admin/console/session.ts';
import { ConsoleSignIn } from '../../admin/console/sign-in.ts';
import type { Accounts } from '../../provider/accounts/accounts.ts';
import type {
  ConsoleSession,
  ConsoleSessions,
} from '../../provider/administration/console-sessions.ts';
import {
  ACCOUNT_CLIENT_ID,
  ACCOUNT_PATH,
  ownPageClients,
} from '../../provider/administration/system.ts';
import type { AuditLog } from '../../provider/audit/audit.ts';
import type { Clients } from '../../provider/clients/clients.ts';
import { errorKind } from '../../provider/error-kinds.ts';
import { SecondFactors } from '../../provider/factors/second-factors.ts';
import { totpQrCode } from '../../provider/factors/totp.ts';
import { describeError, type Logger } from '../../provider/log.ts';
import { clientAddress } from '../../provider/security/client-address.ts';
import type { Sessions } from '../../provider/sessions/sessions.ts';
import type { MessageKey, Text } from '../i18n/locales.ts';
import { ruleText, sentence } from '../messages.ts';
import { languageOf, pageBasics } from '../render.ts';

const VIEWS = fileURLToPath(new URL('../views/account', import.meta.url));

export interface AccountPageDeps {
  issuer: string;
  basePath: string;
  log: Logger;
  accounts: Accounts;
  clients: Clients;
  sessions: ConsoleSessions;
  people: Sessions;
  factors: SecondFactors;
  audit: AuditLog;
  /** What authenticator apps show the account as coming from. */
  issuerName: string;
  selfUrl: () => string;
}

/** The fields of their profile people may change themselves. */
const EDITABLE = ['name', 'givenName', 'familyName', 'nickname', 'locale', 'zoneinfo'] as const;

interface Signed {
  ctx: Context;
  session: ConsoleSession;
  me: Account;
  form: Record<string, unknown>;
}

/** Koa middleware serving the account page under `<basePath>/account`. */
export function accountPage(deps: AccountPageDeps): Middleware {
  const root = `${deps.basePath}${ACCOUNT_PATH}`;
  const secure = new URL(deps.issuer).protocol === 'https:';
  const cookie = new SessionCookie(deps.sessions, root, secure, 'sso_account');
  const signIn = new ConsoleSignIn({
    issuer: deps.issuer,
    client: ownPageClients(deps.issuer).find((own) => own.clientId === ACCOUNT_CLIENT_ID)!,
    loginCookie: 'sso_account_login',
    clients: deps.clients,
    selfUrl: deps.selfUrl,
    cookiePath: root,
    secure,
  });
  const form = bodyParser({ enableTypes: ['form', 'json'], formLimit: '16kb', jsonLimit: '32kb' });
  const router = new Router({ prefix: root });

  const show = async (
    ctx: Context,
    view: string,
    locals: Record<string, unknown>,
    status = 200,
  ) => {
    ctx.body = await ejs.renderFile(
      join(VIEWS, `${view}.ejs`),
      {
        basePath: deps.basePath,
        root,
        assetsPath: `${deps.basePath}/assets`,
        ...pageBasics(ctx),
        notice: noticeOf(ctx.query.notice),
        error: undefined,
        csrf: undefined,
        me: undefined,
        ...locals,
      },
      { cache: true },
    );
    ctx.type = 'html';
    ctx.status = status;
  };
  const back = (ctx: Context, notice: Notice) => {
    ctx.status = 303;
    ctx.redirect(`${root}?notice=${notice}`);
  };
  const record = (
    signed: Signed,
    type: string,
    details?: Record<string, string | number | boolean>,
  ) =>
    deps.audit.record({
      type,
      actor: `account:${signed.me.id}`,
      username: signed.me.username,
      accountId: signed.me.id,
      ip: clientAddress(signed.ctx),
      ...(details ? { details } : {}),
    });

  // Runs `handler` for the signed-in person; signs in first, or refuses a form without the token.
  const signed =
    (handler: (signed: Signed) => Promise<void>, post: boolean) => async (ctx: Context) => {
      const session = await cookie.current(ctx);
      const me = session && (await deps.accounts.get(session.accountId));
      if (!session || !me || me.disabled) {
        if (post) {
          await show(
            ctx,
            'message',
            {
              title: 'account.signedOutTitle',
              message: 'account.sessionEnded',
              link: root,
            },
            401,
          );
          return;
        }
        await signIn.begin(ctx, ctx.originalUrl);
        return;
      }
      let body: Record<string, unknown> = {};
      if (post) {
        await form(ctx, async () => undefined);
        body = (ctx.request.body ?? {}) as Record<string, unknown>;
        const token = ctx.is('application/json') ? ctx.get('x-csrf-token') : body._csrf;
        if (!csrfMatches(session, token)) {
          await show(
            ctx,
            'message',
            {
              title: 'account.formExpiredTitle',
              message: 'account.formExpired',
              link: root,
            },
            403,
          );
          return;
        }
      }
      await handler({ ctx, session, me, form: body });
    };

  const overview = async ({ ctx, session, me }: Signed, error?: Text, status = 200) => {
    const names = new Map(
      (await deps.clients.list()).map((client) => [
        client.clientId,
        typeof client.metadata.client_name === 'string'
          ? client.metadata.client_name
          : client.clientId,
      ]),
    );
    const [sessions, grants, activity] = await Promise.all([
      deps.people.list(me.id),
      deps.people.grants(me.id),
      deps.audit.list({ user: me.id, type: 'login', limit: 10 }),
    ]);
    await show(
      ctx,
      'overview',
      {
        title: 'account.title',
        me,
        csrf: session.csrf,
        error,
        editable: EDITABLE,
        factors: SecondFactors.summary(me),
        sessions: sessions.map((each) => ({
          ...each,
          apps: each.clients.map((client) => names.get(client.clientId) ?? client.clientId),
        })),
        grants: grants
          .filter((grant) => grant.clientId !== ACCOUNT_CLIENT_ID)
          .map((grant) => ({ ...grant, name: names.get(grant.clientId) ?? grant.clientId })),
        activity,
      },
      status,
    );
  };
  // A change refused for a reason the person can act on shows the page with it; else rethrown.
  const refused = async (signed: Signed, error: unknown) => {
    const known = errorKind(error);
    if (known.kind !== 'invalid' && known.kind !== 'stale' && known.kind !== 'not_found')
      throw error;
    await overview(
      signed,
      known.kind === 'invalid' ? ruleText(known.message) : { raw: sentence(known.message) },
      400,
    );
  };

  router.get('/login', async (ctx) => signIn.begin(ctx, root));
  router.get('/callback', async (ctx) => {
    const done = await signIn.complete(ctx).catch((error: unknown) => {
      deps.log.warn('account page sign-in failed', describeError(error));
      return undefined;
    });
    const session = done && (await deps.sessions.start(done));
    if (!done || !session) {
      await show(
        ctx,
        'message',
        {
          title: 'account.signInFailedTitle',
          message: 'account.signInFailed',
          link: root,
        },
        400,
      );
      return;
    }
    cookie.set(ctx, session);
    ctx.status = 303;
    ctx.redirect(done.returnTo.startsWith(root) ? done.returnTo : root);
  });
  router.post('/logout', async (ctx) => {
    const session = await cookie.current(ctx);
    await form(ctx, async () => undefined);
    cookie.clear(ctx);
    if (!session || !csrfMatches(session, (ctx.request.body as Record<string, unknown>)?._csrf)) {
      ctx.status = 303;
      ctx.redirect(`${root}/signed-out`);
      return;
    }
    await deps.sessions.end(session.id);
    ctx.status = 303;
    ctx.redirect(await signIn.endSessionUrl(session.idToken));
  });
  router.get('/signed-out', async (ctx) => {
    await show(ctx, 'message', {
      title: 'account.signedOutTitle',
      message: 'account.signedOut',
      link: root,
    });
  });

  router.get(
    '/',
    signed(async (s) => overview(s), false),
  );

  router.post(
    '/profile',
    signed(async (s) => {
      const changes = Object.fromEntries(
        EDITABLE.map((field) => [field, typeof s.form[field] === 'string' ? s.form[field] : '']),
      );
      try {
        await deps.accounts.update(s.me.username, changes, Number(s.form.version));
      } catch (error) {
        await refused(s, error);
        return;
      }
      await record(s, 'user.update', { fields: EDITABLE.join(' '), self: true });
      back(s.ctx, 'profile');
    }, true),
  );

  router.post(
    '/password',
    signed(async (s) => {
      const current = typeof s.form.current === 'string' ? s.form.current : '';
      const next = typeof s.form.password === 'string' ? s.form.password : '';
      if (next !== s.form.repeat) {
        await overview(s, 'account.differ', 400);
        return;
      }
      if (!(await deps.accounts.verifyPassword(s.me, current))) {
        await record(s, 'password.change.failure', { reason: 'wrong_current_password' });
        await overview(s, 'account.wrongCurrent', 400);
        return;
      }
      try {
        await deps.accounts.setPassword(s.me.username, next);
      } catch (error) {
        await refused(s, error);
        return;
      }
      await record(s, 'password.change', { self: true });
      back(s.ctx, 'password');
    }, true),
  );

  router.get(
    '/totp',
    signed(async ({ ctx, session, me }) => {
      const { secret, uri } = await deps.factors.beginTotp(me, deps.issuerName);
      await show(ctx, 'totp', {
        title: 'enroll.title',
        csrf: session.csrf,
        me,
        secret: secret.match(/.{1,4}/g)!.join(' '),
        qr: await totpQrCode(uri),
      });
    }, false),
  );
  router.post(
    '/totp',
    signed(async (s) => {
      let codes: string[] | undefined;
      try {
        codes = await deps.factors.confirmTotp(
          s.me.id,
          typeof s.form.code === 'string' ? s.form.code.slice(0, 16) : '',
        );
      } catch (error) {
        const known = errorKind(error);
        if (known.kind !== 'invalid') throw error;
        await show(
          s.ctx,
          'message',
          {
            title: 'account.notSetUpTitle',
            message: ruleText(known.message),
            link: `${root}/totp`,
          },
          400,
        );
        return;
      }
      await record(s, 'user.factors.totp.add');
      if (codes) {
        await show(s.ctx, 'codes', {
          title: 'recovery.title',
          csrf: s.session.csrf,
          me: s.me,
          codes,
        });
        return;
      }
      back(s.ctx, 'totpOn');
    }, true),
  );
  router.post(
    '/totp/remove',
    signed(async (s) => {
      await deps.factors.removeTotp(s.me.id);
      await record(s, 'user.factors.totp.remove');
      back(s.ctx, 'totpOff');
    }, true),
  );
  router.post(
    '/recovery-codes',
    signed(async (s) => {
      const codes = await deps.factors.newRecoveryCodes(s.me.id);
      await record(s, 'user.factors.recovery.renew');
      await show(s.ctx, 'codes', {
        title: 'account.newCodesTitle',
        csrf: s.session.csrf,
        me: s.me,
        codes,
      });
    }, true),
  );

  router.post(
    '/passkeys/options',
    signed(async ({ ctx, me }) => {
      ctx.body = await deps.factors.beginPasskey(me);
    }, true),
  );
  router.post(
    '/passkeys',
    signed(async (s) => {
      const { name, ...response } = s.form as { name?: unknown };
      try {
        await deps.factors.addPasskey(
          s.me.id,
          response as Parameters<SecondFactors['addPasskey']>[1],
          typeof name === 'string' ? name : '',
        );
      } catch (error) {
        const known = errorKind(error);
        if (known.kind !== 'invalid') throw error;
        s.ctx.status = 400;
        s.ctx.body = { message: languageOf(s.ctx).t(ruleText(known.message)) };
        return;
      }
      await record(s, 'user.factors.passkey.add');
      s.ctx.body = { location: `${root}?notice=passkeyAdded` };
    }, true),
  );
  router.post(
    '/passkeys/:id/remove',
    signed(async (s) => {
      try {
        await deps.factors.removePasskey(s.me.id, param(s.ctx, 'id'));
      } catch (error) {
        await refused(s, error);
        return;
      }
      await record(s, 'user.factors.passkey.remove');
      back(s.ctx, 'passkeyRemoved');
    }, true),
  );

  router.post(
    '/sessions/:uid/end',
    signed(async (s) => {
      try {
        await deps.people.end(s.me.id, param(s.ctx, 'uid'));
      } catch (error) {
        await refused(s, error);
        return;
      }
      await record(s, 'user.session.end', { self: true });
      back(s.ctx, 'sessionEnded');
    }, true),
  );
  router.post(
    '/grants/:grantId/revoke',
    signed(async (s) => {
      try {
        await deps.people.revokeGrant(s.me.id, param(s.ctx, 'grantId'));
      } catch (error) {
        await refused(s, error);
        return;
      }
      await record(s, 'user.grant.revoke', { self: true });
      back(s.ctx, 'grantRevoked');
    }, true),
  );

  const routes = router.routes() as unknown as Middleware;
  return async (ctx, next) => {
    if (ctx.path !== root && !ctx.path.startsWith(`${root}/`)) {
      await next();
      return;
    }
    try {
      await routes(ctx, async () => undefined);
      if (ctx.status === 404 && ctx.body === undefined) {
        await show(
          ctx,
          'message',
          { title: 'error.notFoundTitle', message: 'error.notFound', link: root },
          404,
        );
      }
    } catch (error) {
      const known = errorKind(error);
      if (known.kind === 'unexpected' || known.kind === 'config') {
        deps.log.error('account page request failed', { path: ctx.path, ...describeError(error) });
      }
      const message = known.kind === 'unavailable' ? 'error.unavailable' : 'error.server';
      await show(
        ctx,
        'message',
        { title: 'error.title', message, link: root },
        known.kind === 'unavailable' ? 503 : 500,
      );
    }
  };
}

// The notices a change leads back to the overview with (`?notice=profile`); anything else, none.
const NOTICES = [
  'profile',
  'password',
  'totpOn',
  'totpOff',
  'passkeyAdded',
  'passkeyRemoved',
  'sessionEnded',
  'grantRevoked',
] as const;
type Notice = (typeof NOTICES)[number];

function noticeOf(value: unknown): MessageKey | undefined {
  return NOTICES.includes(value as Notice) ? (`notice.${value as Notice}` as const) : undefined;
}

function param(ctx: Context, name: string): string {
  return (ctx.params as Record<string, string | undefined>)[name] ?? '';
}
