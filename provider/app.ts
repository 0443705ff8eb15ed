// The HTTP application: security headers, our pages and health check, and the protocol engine, all
// under the issuer's path (so `https://host/auth` serves `/auth/.well-known/openid-configuration`).
import Router from '@koa/router';
import Koa from 'koa';
import compose from 'koa-compose';
import views from 'koa-views';
import { fileURLToPath } from 'node:url';
import type { Store } from '../adapters/store.ts';
import { adminApi } from '../admin/api/routes.ts';
import { adminConsole } from '../admin/console/console.ts';
import { accountPage } from '../interactions/account/account.ts';
import { assets } from '../interactions/assets.ts';
import { pageBrand } from '../interactions/branding.ts';
import { interactionRoutes } from '../interactions/routes.ts';
import { passwordResetRoutes } from '../interactions/password-reset.ts';
import { registrationRoutes } from '../interactions/registration.ts';
import type { Accounts } from './accounts/accounts.ts';
import type { Actor, AdminOperations } from './administration/operations.ts';
import type { ConsoleSessions } from './administration/console-sessions.ts';
import type { FirstRun } from './administration/first-run.ts';
import type { SecondFactors } from './factors/second-factors.ts';
import type { SignInSteps } from './factors/sign-in-steps.ts';
import type { Sessions } from './sessions/sessions.ts';
import type { Apis } from './apis/apis.ts';
import type { Clients } from './clients/clients.ts';
import type { AuditLog } from './audit/audit.ts';
import type { Config } from './config.ts';
import { accessLog } from './http/access-log.ts';
import type { Metrics } from './observability/metrics.ts';
import { metricsRoute } from './observability/metrics-endpoint.ts';
import { errorBoundary } from './http/error-boundary.ts';
import { issuerOrigin } from './http/issuer-origin.ts';
import { notFound } from './http/not-found.ts';
import { isEngineProgramPath } from './http/program-paths.ts';
import { securityHeaders } from './http/security-headers.ts';
import { describeError, type Logger } from './log.ts';
import type { Engine } from './oidc/engine.ts';
import type { PasswordReset } from './people/password-reset.ts';
import type { Registration } from './people/registration.ts';
import { deviceCodeGate } from './security/device-code-gate.ts';
import type { EndpointLimits } from './security/endpoint-limits.ts';
import type { SignInGuard } from './security/sign-in-guard.ts';

export interface AppInput {
  config: Readonly<Config>;
  log: Logger;
  store: Store;
  accounts: Accounts;
  engine: Engine;
  audit: AuditLog;
  guard: SignInGuard;
  limits: EndpointLimits;
  clients: Clients;
  apis: Apis;
  administration: (by: Actor) => AdminOperations;
  /** Metrics to count requests in, when they are served (see observability/). */
  metrics?: Metrics | undefined;
  /** `draining` once the server is shutting down (readiness then fails). */
  lifecycle: { readonly draining: boolean };
  /** Where this server itself listens (known once it does), for calls to its own endpoints. */
  selfUrl: () => string;
  consoleSessions: ConsoleSessions;
  accountSessions: ConsoleSessions;
  sessions: Sessions;
  firstRun: FirstRun;
  factors: SecondFactors;
  signInSteps: SignInSteps;
  passwordReset: PasswordReset;
  registration: Registration;
}

const VIEWS = fileURLToPath(new URL('../interactions/views', import.meta.url));

/** The Koa application serving everything SSO answers over HTTP. */
export function createApp(input: AppInput): Koa {
  const { config, log, store, accounts, engine, audit, guard, limits, metrics } = input;
  // Host and protocol come from headers that issuerOrigin sets to the issuer's (see there).
  const app = new Koa({ proxy: true, keys: engine.cookieKeys });
  app.silent = true;
  app.on('error', (error: unknown) => log.error('unhandled HTTP error', describeError(error)));

  const brand = pageBrand(config.brand, `${config.basePath}/assets`);
  const router = new Router(config.basePath ? { prefix: config.basePath } : {});
  // Liveness: this process serves requests. It does not ask the store, so an outage of the
  // database does not make every instance be restarted at once (readiness is /readyz).
  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok', store: store.backend };
  });
  // Readiness: whether a load balancer should send requests here: the store answers, signing
  // keys are loaded, and the server is not shutting down.
  router.get('/readyz', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const problem = input.lifecycle.draining ? undefined : await storeProblem(store);
    const checks = {
      store: problem ? 'unavailable' : 'ok',
      signingKeys: engine.signers().length > 0 ? 'ok' : 'missing',
      ...(input.lifecycle.draining ? { shutdown: 'draining' } : {}),
    };
    if (problem) log.warn('readiness check: store unavailable', { reason: problem });
    if (problem || checks.signingKeys !== 'ok' || input.lifecycle.draining) {
      ctx.status = 503;
      ctx.body = {
        status: 'unavailable',
        store: store.backend,
        error: 'temporarily_unavailable',
        checks,
      };
      return;
    }
    ctx.body = { status: 'ready', store: store.backend, checks };
  });
  if (metrics && config.ops.metricsToken) {
    router.get('/metrics', metricsRoute(metrics, config.ops.metricsToken));
  }
  router.use(
    interactionRoutes({
      clients: input.clients,
      apis: input.apis,
      signIn: { accounts, guard, audit },
      secondFactor: {
        factors: input.factors,
        steps: input.signInSteps,
        issuerName: new URL(config.issuer).host,
      },
      mfaGroups: config.mfaGroups,
      provider: () => engine.provider,
    }).routes(),
  );
  router.use(passwordResetRoutes(input.passwordReset).routes());
  router.use(registrationRoutes(input.registration).routes());

  app.use(
    accessLog({
      basePath: config.basePath,
      log,
      accessLog: config.accessLog,
      lifecycle: input.lifecycle,
      ...(metrics ? { observe: metrics.request } : {}),
    }),
  );
  app.use(securityHeaders(new URL(config.issuer).protocol === 'https:', config.brand.logoUrl));
  app.use(issuerOrigin(config.issuer, config.trustProxy));
  const pages: Koa.Middleware[] = [];
  // Templates are compiled once per file and kept (they ship with SSO and change only with it).
  pages.push(views(VIEWS, { extension: 'ejs', options: { cache: true } }));
  pages.push(async (ctx, next) => {
    ctx.state.basePath = config.basePath;
    ctx.state.brand = brand;
    // The login page offers "Create an account" only when registration is on.
    ctx.state.selfRegistration = config.people.selfRegistration;
    await next();
  });
  const boundary = errorBoundary(log, config.basePath);
  const unanswered = notFound(config.basePath, config.cookieSameSite === 'none');
  pages.push(boundary, unanswered);
  pages.push(prefixed(config.basePath, assets(config.brand)));
  pages.push(
    adminApi({
      issuer: config.issuer,
      basePath: config.basePath,
      adminGroup: config.admin.group,
      accounts,
      clients: input.clients,
      provider: () => engine.provider,
      log,
      administration: input.administration,
    }),
  );
  pages.push(
    adminConsole({
      issuer: config.issuer,
      basePath: config.basePath,
      adminGroup: config.admin.group,
      log,
      accounts,
      clients: input.clients,
      sessions: input.consoleSessions,
      firstRun: input.firstRun,
      administration: input.administration,
      selfUrl: input.selfUrl,
    }),
  );
  pages.push(
    accountPage({
      issuer: config.issuer,
      basePath: config.basePath,
      log,
      accounts,
      clients: input.clients,
      sessions: input.accountSessions,
      people: input.sessions,
      factors: input.factors,
      audit,
      issuerName: new URL(config.issuer).host,
      selfUrl: input.selfUrl,
    }),
  );
  // The router's middleware adds ctx.params and ctx.router itself, before its routes see ctx.
  pages.push(router.routes() as unknown as Koa.Middleware);
  const gate = deviceCodeGate(guard, config.basePath);
  pages.push(limits.middleware, gate, engine.middleware);
  // The engine's program endpoints (token, introspection, revocation, userinfo, JWKS, discovery)
  // skip what only pages and SSO's own routes need (views, branding, assets, the admin API and
  // console, the account page, the router): the same answers, with less work per request.
  const protocol = compose<Koa.ParameterizedContext>([
    boundary,
    unanswered,
    limits.middleware,
    gate,
    engine.middleware,
  ]);
  const everything = compose<Koa.ParameterizedContext>(pages);
  app.use((ctx, next) =>
    isEngineProgramPath(ctx.path, config.basePath) ? protocol(ctx, next) : everything(ctx, next),
  );
  return app;
}

/** How long the readiness check waits for the store before calling it unavailable, in ms. */
const HEALTH_CHECK_TIMEOUT_MS = 3000;

// Why the store cannot serve now (locked, unreachable, corrupt, hung), or undefined when it can.
async function storeProblem(store: Store): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(
      () => resolve('no answer within the readiness check timeout'),
      HEALTH_CHECK_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([
      store.ping().then(
        () => undefined,
        (error: unknown) => {
          if ((error as { name?: unknown }).name !== 'StoreUnavailableError') throw error;
          return String((error as Error).message);
        },
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

// Runs `middleware` for paths under `basePath`, with the prefix removed from ctx.path meanwhile.
function prefixed(basePath: string, middleware: Koa.Middleware): Koa.Middleware {
  if (!basePath) return middleware;
  return async (ctx, next) => {
    if (!ctx.path.startsWith(`${basePath}/`)) {
      await next();
      return;
    }
    const original = ctx.path;
    ctx.path = original.slice(basePath.length);
    try {
      await middleware(ctx, async () => {
        ctx.path = original;
        await next();
      });
    } finally {
      ctx.path = original;
    }
  };
}
