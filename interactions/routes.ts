// The browser pages of sign-in: login and consent for a pending authorization (an oidc-provider
// "interaction"), and cancelling it. The interaction cookie set by the engine binds each page to the
// browser that started the request, so these forms need no separate CSRF token.
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context } from 'koa';
import { errors } from 'oidc-provider';
import type Provider from 'oidc-provider';
import type { Apis } from '../provider/apis/apis.ts';
import type { Clients } from '../provider/clients/clients.ts';
import { ACR_VALUES } from '../client-sdk/node/src/contract.ts';
import { allowFormAction } from '../provider/http/security-headers.ts';
import { clientAddress } from '../provider/security/client-address.ts';
import { passwordSignIn, type PasswordSignInDeps } from '../provider/security/password-sign-in.ts';
import { consentView, grantConsent } from './consent.ts';
import { secondFactorRoutes, type SecondFactorDeps } from './second-factor.ts';
import { SecondFactors } from '../provider/factors/second-factors.ts';
import { secondFactorRequired } from '../provider/factors/policy.ts';
import { STEP_UP_REASONS } from '../provider/oidc/interaction-policy.ts';
import { requestsMultiFactor } from '../provider/factors/policy.ts';
import { retryMessage } from './messages.ts';
import type { Text } from './i18n/locales.ts';
import { renderPage } from './render.ts';

export interface InteractionDeps {
  clients: Clients;
  apis: Apis;
  /** Accounts, the guard against password guessing, and the audit log. */
  signIn: PasswordSignInDeps;
  /** Second factors and the sign-ins waiting for one. */
  secondFactor: Omit<SecondFactorDeps, 'provider' | 'accounts' | 'guard' | 'audit'>;
  /** Members of these groups need a second factor. */
  mfaGroups: readonly string[];
  /** The provider serving requests now (it can be swapped when keys change). */
  provider: () => Provider;
}

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

const LOGIN_FAILED = 'login.failed';
const LOGIN_MISSING = 'login.missing';
const MAX_FIELD = 1024;

/** Routes under `/interaction/:uid`, relative to the issuer's path. */
export function interactionRoutes(deps: InteractionDeps): Router {
  const router = new Router();
  const form = bodyParser({ enableTypes: ['form'], formLimit: '16kb', encoding: 'utf-8' });

  router.get('/interaction/:uid', async (ctx) => {
    const details = await load(ctx, deps);
    if (details.prompt.name === 'login' && isStepUp(details)) {
      // Signed in already, with a password only: the second factor of the same account is enough.
      await deps.secondFactor.steps.start(details.uid, {
        accountId: details.session!.accountId,
        first: 'session',
      });
      ctx.status = 303;
      ctx.redirect(
        `${(ctx.state as { basePath: string }).basePath}/interaction/${details.uid}/second-factor`,
      );
      return;
    }
    if (details.prompt.name === 'login') {
      if (!canMeetAcr(details)) {
        await finish(
          ctx,
          deps,
          {
            error: 'unmet_authentication_requirements',
            error_description: `SSO can sign people in at ${Object.values(ACR_VALUES).join(', ')} only`,
          },
          false,
        );
        return;
      }
      await showLogin(ctx, deps, details, { login: stringParam(details.params.login_hint) });
      return;
    }
    if (details.prompt.name === 'consent') {
      const client = await deps.clients.get(String(details.params.client_id));
      if (client?.firstParty) {
        await finish(ctx, deps, await grantConsent(deps.provider(), details), true);
        return;
      }
      await renderPage(ctx, 'consent', {
        title: 'consent.title',
        uid: details.uid,
        clientName: await clientName(deps, details),
        ...(await consentView(deps.apis, details)),
      });
      return;
    }
    throw new errors.InvalidRequest(`unsupported prompt ${details.prompt.name}`);
  });

  router.post('/interaction/:uid/login', form, async (ctx) => {
    const details = await load(ctx, deps, 'login');
    const body = ctx.request.body as Record<string, unknown>;
    const login = field(body.login);
    const password = field(body.password);
    if (!login || !password) {
      await showLogin(ctx, deps, details, { login, error: LOGIN_MISSING });
      return;
    }
    const clientId = String(details.params.client_id);
    const result = await passwordSignIn(deps.signIn, {
      login,
      password,
      address: clientAddress(ctx),
      clientId,
      secondFactorFollows: async (account) =>
        SecondFactors.has(account) ||
        secondFactorRequired(
          account,
          await deps.clients.get(clientId),
          details.params,
          deps.mfaGroups,
        ),
    });
    if ('account' in result && result.secondFactor) {
      await deps.secondFactor.steps.start(details.uid, {
        accountId: result.account.id,
        first: 'password',
      });
      ctx.status = 303;
      ctx.redirect(
        `${(ctx.state as { basePath: string }).basePath}/interaction/${details.uid}/second-factor`,
      );
      return;
    }
    if ('account' in result) {
      const login = { accountId: result.account.id, acr: ACR_VALUES.password, amr: ['pwd'] };
      await finish(ctx, deps, { login }, false);
      return;
    }
    if (result.failed === 'invalid') {
      const { retryAfter, lockedOut } = result;
      const then =
        lockedOut === 'account' ? 'locked' : lockedOut === 'address' ? 'address' : 'wait';
      const error: Text = retryAfter
        ? [LOGIN_FAILED, retryMessage(then, retryAfter)]
        : LOGIN_FAILED;
      await showLogin(ctx, deps, details, { login, error });
      return;
    }
    ctx.set('Retry-After', String(result.retryAfter));
    await showLogin(ctx, deps, details, {
      login,
      error: retryMessage(result.failed, result.retryAfter),
    });
    ctx.status = 429;
  });

  router.post('/interaction/:uid/confirm', form, async (ctx) => {
    const details = await load(ctx, deps, 'consent');
    await finish(ctx, deps, await grantConsent(deps.provider(), details), true);
  });

  secondFactorRoutes(
    router,
    {
      ...deps.secondFactor,
      accounts: deps.signIn.accounts,
      guard: deps.signIn.guard,
      audit: deps.signIn.audit,
      provider: deps.provider,
    },
    (ctx, prompt) => load(ctx, deps, prompt),
  );

  router.post('/interaction/:uid/abort', form, async (ctx) => {
    const details = await load(ctx, deps);
    await deps.secondFactor.steps.end(details.uid);
    await finish(
      ctx,
      deps,
      { error: 'access_denied', error_description: 'The user cancelled the sign-in.' },
      false,
    );
  });

  return router;
}

// Whether the login prompt is there only because the session's sign-in lacks a second factor.
function isStepUp(details: Details): boolean {
  const reasons = details.prompt.reasons ?? [];
  const essential = reasons.some((reason) => reason.startsWith('essential_acr'));
  return (
    details.session?.accountId !== undefined &&
    reasons.length > 0 &&
    reasons.every((reason) => STEP_UP_REASONS.has(reason)) &&
    (!essential || requestsMultiFactor(details.params))
  );
}

// Whether a sign-in here can give what the request's essential `acr` asks for (OIDC Core §5.5.1.1);
// when it cannot, signing in would only lead to the same request again.
function canMeetAcr(details: Details): boolean {
  const { acr } = (details.prompt.details ?? {}) as {
    acr?: { essential?: boolean; value?: unknown; values?: unknown };
  };
  if (!acr?.essential) return true;
  const asked = Array.isArray(acr.values) ? (acr.values as unknown[]) : [acr.value];
  return asked.some((value) => (Object.values(ACR_VALUES) as unknown[]).includes(value));
}

// The pending interaction of this browser, which must be the one in the URL (and at `prompt`).
async function load(ctx: Context, deps: InteractionDeps, prompt?: string): Promise<Details> {
  const details = await deps.provider().interactionDetails(ctx.req, ctx.res);
  allowFormAction(ctx, details.params.redirect_uri);
  // The page's language is the one the app asked for, when it did (render.ts).
  (ctx.state as { uiLocales?: unknown }).uiLocales = details.params.ui_locales;
  const { uid } = ctx.params as { uid: string };
  if (details.uid !== uid)
    throw new errors.InvalidRequest('this sign-in page belongs to another request');
  if (prompt && details.prompt.name !== prompt) {
    throw new errors.InvalidRequest('this step of the sign-in is already done');
  }
  return details;
}

async function finish(
  ctx: Context,
  deps: InteractionDeps,
  result: Parameters<Provider['interactionResult']>[2],
  merge: boolean,
): Promise<void> {
  const returnTo = await deps.provider().interactionResult(ctx.req, ctx.res, result, {
    mergeWithLastSubmission: merge,
  });
  ctx.status = 303;
  ctx.redirect(returnTo);
}

async function showLogin(
  ctx: Context,
  deps: InteractionDeps,
  details: Details,
  extra: { login?: string | undefined; error?: Text },
): Promise<void> {
  await renderPage(ctx, 'login', {
    title: 'login.title',
    uid: details.uid,
    clientName: await clientName(deps, details),
    login: extra.login ?? '',
    error: extra.error,
  });
}

async function clientName(deps: InteractionDeps, details: Details): Promise<string> {
  const clientId = String(details.params.client_id);
  const client = await deps.provider().Client.find(clientId);
  return client?.clientName ?? clientId;
}

function stringParam(value: unknown): string | undefined {
  return typeof value === 'string' ? value.slice(0, MAX_FIELD) : undefined;
}

function field(value: unknown): string {
  return typeof value === 'string' && value.length <= MAX_FIELD ? value : '';
}
