// The admin console (`<issuer>/admin`): server-rendered pages (EJS + Bootstrap, no client-side
// framework) over the same admin operations as the admin API and the CLI. Administrators sign in
// through SSO's own code flow (sign-in.ts); every page needs a live console session of an enabled
// administrator, every form the session's CSRF token. Others get a 403 page.
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import ejs from 'ejs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Account } from '../../adapters/store.ts';
import type { Accounts } from '../../provider/accounts/accounts.ts';
import type {
  ConsoleSession,
  ConsoleSessions,
} from '../../provider/administration/console-sessions.ts';
import type { FirstRun } from '../../provider/administration/first-run.ts';
import type { Actor, AdminOperations } from '../../provider/administration/operations.ts';
import {
  ADMIN_PATH,
  CONSOLE_CLIENT_ID,
  ownPageClients,
} from '../../provider/administration/system.ts';
import type { Clients } from '../../provider/clients/clients.ts';
import { errorKind } from '../../provider/error-kinds.ts';
import { describeError, type Logger } from '../../provider/log.ts';
import { clientAddress } from '../../provider/security/client-address.ts';
import { apiPages } from './pages/apis.ts';
import { appPages } from './pages/apps.ts';
import { auditPages } from './pages/audit.ts';
import { keyPages } from './pages/keys.ts';
import { userPages } from './pages/users.ts';
import { setupPages } from './setup.ts';
import { csrfMatches, SessionCookie } from './session.ts';
import { ConsoleSignIn } from './sign-in.ts';

const VIEWS = fileURLToPath(new URL('./views', import.meta.url));

export interface ConsoleDeps {
  issuer: string;
  basePath: string;
  adminGroup: string;
  log: Logger;
  accounts: Accounts;
  clients: Clients;
  sessions: ConsoleSessions;
  firstRun: FirstRun;
  administration: (by: Actor) => AdminOperations;
  selfUrl: () => string;
}

/** What a console page handler works with. */
export interface Page {
  ctx: Context;
  admin: AdminOperations;
  session: ConsoleSession;
  me: Account;
  /** The console's root path (`<basePath>/admin`). */
  root: string;
  issuer: string;
  /** Renders `view` with the locals every console page needs. */
  render: (view: string, locals: Record<string, unknown>, status?: number) => Promise<void>;
  /** Sends the browser to `path` (under the console) with a notice to show there. */
  redirect: (path: string, notice?: string) => void;
  /** The parsed form of a POST. */
  form: Record<string, unknown>;
}

export type PageHandler = (page: Page) => Promise<void>;

/** Registers a console page: `get`/`post` routes run `handler` for a signed-in administrator. */
export interface PageRouter {
  get(path: string, handler: PageHandler): void;
  post(path: string, handler: PageHandler): void;
}

/** Koa middleware serving the console under `<basePath>/admin` (but not the admin API). */
export function adminConsole(deps: ConsoleDeps): Middleware {
  const root = `${deps.basePath}${ADMIN_PATH}`;
  const secure = new URL(deps.issuer).protocol === 'https:';
  const cookie = new SessionCookie(deps.sessions, root, secure);
  const signIn = new ConsoleSignIn({
    issuer: deps.issuer,
    client: ownPageClients(deps.issuer).find((own) => own.clientId === CONSOLE_CLIENT_ID)!,
    loginCookie: 'sso_console_login',
    clients: deps.clients,
    selfUrl: deps.selfUrl,
    cookiePath: root,
    secure,
  });
  const form = bodyParser({ enableTypes: ['form'], formLimit: '64kb', encoding: 'utf-8' });
  const router = new Router({ prefix: root });

  const locals = (ctx: Context, extra: Record<string, unknown>) => ({
    basePath: deps.basePath,
    root,
    assetsPath: `${deps.basePath}/assets`,
    issuer: deps.issuer,
    notice: typeof ctx.query.notice === 'string' ? ctx.query.notice.slice(0, 200) : undefined,
    error: undefined,
    me: undefined,
    csrf: undefined,
    nav: '',
    ...extra,
  });
  const show = async (ctx: Context, view: string, extra: Record<string, unknown>, status = 200) => {
    ctx.body = await ejs.renderFile(join(VIEWS, `${view}.ejs`), locals(ctx, extra), {
      cache: true,
    });
    ctx.type = 'html';
    ctx.status = status;
  };

  // Runs `handler` for an enabled administrator with a live session, else signs in or refuses.
  const page =
    (handler: PageHandler, post: boolean) =>
    async (ctx: Context): Promise<void> => {
      const session = await cookie.current(ctx);
      if (!session) {
        if (post) {
          await show(ctx, 'expired', { title: 'Signed out' }, 401);
          return;
        }
        await signIn.begin(ctx, ctx.originalUrl);
        return;
      }
      const me = await deps.accounts.get(session.accountId);
      if (!me || me.disabled || !me.groups.includes(deps.adminGroup)) {
        await show(
          ctx,
          'forbidden',
          { title: 'Administrators only', who: me?.username, csrf: session.csrf },
          403,
        );
        return;
      }
      let body: Record<string, unknown> = {};
      if (post) {
        await form(ctx, async () => undefined);
        body = (ctx.request.body ?? {}) as Record<string, unknown>;
        if (!csrfMatches(session, body._csrf)) {
          await show(ctx, 'expired', { title: 'Form expired' }, 403);
          return;
        }
      }
      const admin = deps.administration({ actor: `account:${me.id}`, ip: clientAddress(ctx) });
      await handler({
        ctx,
        admin,
        session,
        me,
        root,
        issuer: deps.issuer,
        form: body,
        render: (view, extra, status) =>
          show(ctx, view, { ...extra, me: me.username, csrf: session.csrf }, status),
        redirect: (path, notice) => {
          ctx.status = 303;
          const target = `${root}${path}`;
          ctx.redirect(
            notice
              ? `${target}${target.includes('?') ? '&' : '?'}notice=${encodeURIComponent(notice)}`
              : target,
          );
        },
      });
    };
  const pages: PageRouter = {
    get: (path, handler) => router.get(path, page(handler, false)),
    post: (path, handler) => router.post(path, page(handler, true)),
  };

  // Signing in and out.
  router.get('/login', async (ctx) => {
    await signIn.begin(ctx, root);
  });
  router.get('/callback', async (ctx) => {
    if (typeof ctx.query.error === 'string') {
      await show(
        ctx,
        'message',
        {
          title: 'Sign-in cancelled',
          message: 'The sign-in did not complete.',
          code: ctx.query.error.slice(0, 100),
        },
        400,
      );
      return;
    }
    const signedIn = await signIn.complete(ctx).catch((error: unknown) => {
      deps.log.warn('admin console sign-in failed', describeError(error));
      return undefined;
    });
    const session = signedIn && (await deps.sessions.start(signedIn));
    if (!signedIn || !session) {
      await show(
        ctx,
        'message',
        {
          title: 'Sign-in failed',
          message: 'The sign-in could not be completed. Start again from the console.',
          code: 'invalid_request',
        },
        400,
      );
      return;
    }
    cookie.set(ctx, session);
    ctx.status = 303;
    ctx.redirect(signedIn.returnTo.startsWith(`${root}`) ? signedIn.returnTo : root);
  });
  router.post('/logout', async (ctx) => {
    const session = await cookie.current(ctx);
    await form(ctx, async () => undefined);
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    if (!session || !csrfMatches(session, body._csrf)) {
      cookie.clear(ctx);
      ctx.status = 303;
      ctx.redirect(`${root}/signed-out`);
      return;
    }
    await deps.sessions.end(session.id);
    cookie.clear(ctx);
    ctx.status = 303;
    ctx.redirect(await signIn.endSessionUrl(session.idToken));
  });
  router.get('/signed-out', async (ctx) => {
    await show(ctx, 'signed-out', { title: 'Signed out' });
  });

  setupPages(router, { firstRun: deps.firstRun, show, root });

  // The pages.
  pages.get('/', async ({ render, admin }) => {
    const [users, clients, apis, keys] = await Promise.all([
      admin.users.list({ limit: 1 }),
      admin.clients.list({ limit: 200 }),
      admin.apis.list(),
      admin.keys.list(),
    ]);
    await render('dashboard', {
      title: 'Overview',
      nav: 'home',
      counts: {
        users: users.items.length ? (users.next ? 'many' : '1') : '0',
        clients: clients.items.length + (clients.next ? '+' : ''),
        apis: apis.length,
        keys: keys.filter((key) => key.state !== 'expired').length,
      },
    });
  });
  appPages(pages);
  apiPages(pages);
  userPages(pages);
  keyPages(pages);
  auditPages(pages);

  const routes = router.routes() as unknown as Middleware;
  return async (ctx, next) => {
    const inConsole = ctx.path === root || ctx.path.startsWith(`${root}/`);
    if (!inConsole || ctx.path.startsWith(`${root}/api/`) || ctx.path === `${root}/api`) {
      await next();
      return;
    }
    {
      try {
        await routes(ctx, async () => undefined);
        if (ctx.status === 404 && ctx.body === undefined) {
          await show(
            ctx,
            'message',
            {
              title: 'Not found',
              message: 'There is no console page at this address.',
              code: 'not_found',
            },
            404,
          );
        }
      } catch (error) {
        const known = errorKind(error);
        if (known.kind === 'unexpected' || known.kind === 'config') {
          deps.log.error('admin console request failed', {
            path: ctx.path,
            ...describeError(error),
          });
        }
        const [status, code, message] =
          known.kind === 'not_found'
            ? [404, 'not_found', known.message]
            : known.kind === 'unavailable'
              ? [503, 'temporarily_unavailable', 'The store cannot be reached. Try again shortly.']
              : known.kind === 'unexpected' || known.kind === 'config'
                ? [500, 'server_error', 'Something went wrong on our side. Try again later.']
                : [400, known.kind, known.message];
        await show(ctx, 'message', { title: 'Something went wrong', message, code }, status);
      }
    }
  };
}

/** The message of an error a form can show next to the form, or undefined for other errors. */
export function formError(error: unknown): string | undefined {
  const known = errorKind(error);
  switch (known.kind) {
    case 'invalid':
    case 'conflict':
    case 'forbidden':
    case 'concurrent':
      return known.message;
    case 'stale':
      return 'Someone else changed this meanwhile. Review the current values below and try again.';
    default:
      return undefined;
  }
}
