// The second step of a sign-in, under `/interaction/:uid`: an authenticator code, a recovery code or
// a passkey of the account that passed the first step (or of the session's account, for a step-up);
// setting up an authenticator app when a second factor is required and the account has none; and a
// passkey as the only factor, from the login page (username-less). Every answer ends the
// interaction with the `acr` and `amr` the sign-in reached.
import { bodyParser } from '@koa/bodyparser';
import type Router from '@koa/router';
import type { Context } from 'koa';
import { errors } from 'oidc-provider';
import type Provider from 'oidc-provider';
import type { Account } from '../adapters/store.ts';
import type { Accounts } from '../provider/accounts/accounts.ts';
import type { AuditLog } from '../provider/audit/audit.ts';
import { acrOf, amrOf, type SignInMethod } from '../provider/factors/policy.ts';
import { SecondFactors } from '../provider/factors/second-factors.ts';
import type { SignInSteps } from '../provider/factors/sign-in-steps.ts';
import { totpQrCode } from '../provider/factors/totp.ts';
import { errorKind } from '../provider/error-kinds.ts';
import { clientAddress } from '../provider/security/client-address.ts';
import {
  secondFactorSignIn,
  type SecondFactorResult,
} from '../provider/security/second-factor-sign-in.ts';
import type { SignInGuard } from '../provider/security/sign-in-guard.ts';
import type { Text } from './i18n/locales.ts';
import { retryMessage, ruleText } from './messages.ts';
import { languageOf, renderPage } from './render.ts';

export interface SecondFactorDeps {
  accounts: Accounts;
  factors: SecondFactors;
  steps: SignInSteps;
  guard: SignInGuard;
  audit: AuditLog;
  /** What authenticator apps show the accounts as coming from. */
  issuerName: string;
  provider: () => Provider;
}

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

/** Loads the pending interaction of this browser, which must be `uid` at the login prompt. */
export type InteractionLoader = (ctx: Context, prompt?: string) => Promise<Details>;

const WRONG_CODE = 'secondFactor.wrongCode';
const MAX_FIELD = 64;

/** Registers the second-step routes on the interaction router. */
export function secondFactorRoutes(
  router: Router,
  deps: SecondFactorDeps,
  load: InteractionLoader,
) {
  const form = bodyParser({ enableTypes: ['form'], formLimit: '16kb', encoding: 'utf-8' });
  const json = bodyParser({ enableTypes: ['json'], jsonLimit: '32kb', encoding: 'utf-8' });

  // The account that passed the first step of this interaction, or an error page.
  const pending = async (ctx: Context, details: Details): Promise<Account> => {
    const step = await deps.steps.get(details.uid);
    const account = step && (await deps.accounts.get(step.accountId));
    if (!step || !account || account.disabled) {
      throw new errors.InvalidRequest('start signing in again');
    }
    return account;
  };

  router.get('/interaction/:uid/second-factor', async (ctx) => {
    const details = await load(ctx, 'login');
    const account = await pending(ctx, details);
    if (!SecondFactors.has(account)) {
      ctx.status = 303;
      ctx.redirect(`${basePathOf(ctx)}/interaction/${details.uid}/enroll`);
      return;
    }
    await showSecondFactor(ctx, details, account);
  });

  router.post('/interaction/:uid/second-factor/totp', form, async (ctx) => {
    const details = await load(ctx, 'login');
    const account = await pending(ctx, details);
    const code = field((ctx.request.body as Record<string, unknown>).code);
    const result = await attempt(ctx, details, account, 'password+totp', () =>
      deps.factors.checkTotp(account.id, code),
    );
    if ('passed' in result && result.passed) {
      await finish(ctx, deps, details, account, 'password+totp');
      return;
    }
    await showSecondFactor(ctx, details, account, failure(result), statusOf(result));
  });

  router.post('/interaction/:uid/second-factor/recovery', form, async (ctx) => {
    const details = await load(ctx, 'login');
    const account = await pending(ctx, details);
    const code = field((ctx.request.body as Record<string, unknown>).code);
    const result = await attempt(ctx, details, account, 'password+recovery', () =>
      deps.factors.useRecoveryCode(account.id, code),
    );
    if ('passed' in result && result.passed) {
      await finish(ctx, deps, details, account, 'password+recovery');
      return;
    }
    const message: Text = 'passed' in result ? 'secondFactor.wrongRecovery' : failure(result);
    await showSecondFactor(ctx, details, account, message, statusOf(result));
  });

  router.post('/interaction/:uid/second-factor/passkey-options', json, async (ctx) => {
    const details = await load(ctx, 'login');
    const account = await pending(ctx, details);
    ctx.body = await deps.factors.beginPasskeyCheck(details.uid, account);
  });

  router.post('/interaction/:uid/second-factor/passkey', json, async (ctx) => {
    const details = await load(ctx, 'login');
    const account = await pending(ctx, details);
    const response = ctx.request.body as Parameters<SecondFactors['checkPasskey']>[1];
    const result = await attempt(ctx, details, account, 'password+passkey', async () =>
      Boolean(await deps.factors.checkPasskey(details.uid, response, account.id)),
    );
    if ('passed' in result && result.passed) {
      ctx.body = { location: await result_(ctx, deps, details, account, 'password+passkey') };
      return;
    }
    ctx.status = statusOf(result);
    ctx.body = {
      message: languageOf(ctx).t(
        'passed' in result ? 'secondFactor.passkeyRefused' : failure(result),
      ),
    };
  });

  // Setting up an authenticator app, when a second factor is required and the account has none.
  router.get('/interaction/:uid/enroll', async (ctx) => {
    const details = await load(ctx, 'login');
    const account = await pending(ctx, details);
    if (SecondFactors.has(account)) {
      ctx.status = 303;
      ctx.redirect(`${basePathOf(ctx)}/interaction/${details.uid}/second-factor`);
      return;
    }
    await showEnrolment(ctx, deps, details, account);
  });

  router.post('/interaction/:uid/enroll', form, async (ctx) => {
    const details = await load(ctx, 'login');
    const account = await pending(ctx, details);
    const code = field((ctx.request.body as Record<string, unknown>).code);
    let codes: string[] | undefined;
    let refusal: Text | undefined;
    const result = await attempt(ctx, details, account, 'password+totp', async () => {
      try {
        codes = await deps.factors.confirmTotp(account.id, code);
        return true;
      } catch (error) {
        const known = errorKind(error);
        if (known.kind !== 'invalid') throw error;
        refusal = ruleText(known.message);
        return false;
      }
    });
    if (!('passed' in result && result.passed)) {
      await showEnrolment(ctx, deps, details, account, refusal ?? failure(result));
      ctx.status = statusOf(result);
      return;
    }
    await deps.steps.start(details.uid, {
      accountId: account.id,
      first: 'password',
      enrolled: true,
    });
    await deps.audit.record({
      type: 'user.factors.totp.add',
      actor: `account:${account.id}`,
      username: account.username,
      accountId: account.id,
      ip: clientAddress(ctx),
    });
    await renderPage(ctx, 'recovery-codes', {
      title: 'recovery.title',
      uid: details.uid,
      codes: codes ?? [],
      action: `/interaction/${details.uid}/enroll/continue`,
    });
  });

  router.post('/interaction/:uid/enroll/continue', form, async (ctx) => {
    const details = await load(ctx, 'login');
    const account = await pending(ctx, details);
    const step = await deps.steps.get(details.uid);
    if (!step?.enrolled) throw new errors.InvalidRequest('set up the authenticator app first');
    await finish(ctx, deps, details, account, 'password+totp');
  });

  // A passkey as the only factor (username-less), from the login page.
  router.post('/interaction/:uid/passkey-options', json, async (ctx) => {
    const details = await load(ctx, 'login');
    ctx.body = await deps.factors.beginPasskeyCheck(`first:${details.uid}`, undefined);
  });

  router.post('/interaction/:uid/passkey', json, async (ctx) => {
    const details = await load(ctx, 'login');
    const response = ctx.request.body as Parameters<SecondFactors['checkPasskey']>[1];
    const checked = await deps.factors.checkPasskey(`first:${details.uid}`, response);
    const who = { clientId: String(details.params.client_id), ip: clientAddress(ctx) };
    if (!checked) {
      await deps.audit.record({
        type: 'login.failure',
        ...who,
        details: { reason: 'invalid_passkey' },
      });
      ctx.status = 400;
      ctx.body = { message: languageOf(ctx).t('login.passkeyRefused') };
      return;
    }
    const { account } = checked;
    await deps.audit.record({
      type: 'login.success',
      ...who,
      username: account.username,
      accountId: account.id,
      details: { method: 'passkey' },
    });
    ctx.body = { location: await result_(ctx, deps, details, account, 'passkey') };
  });

  // One guarded attempt of the second factor.
  const attempt = (
    ctx: Context,
    details: Details,
    account: Account,
    method: SignInMethod,
    check: () => Promise<boolean>,
  ): Promise<SecondFactorResult> =>
    secondFactorSignIn(deps, {
      account,
      address: clientAddress(ctx),
      clientId: String(details.params.client_id),
      method: amrOf(method)
        .filter((value) => value !== 'mfa')
        .join('+'),
      check,
    });
}

async function showSecondFactor(
  ctx: Context,
  details: Details,
  account: Account,
  error?: Text,
  status = 200,
): Promise<void> {
  await renderPage(ctx, 'second-factor', {
    title: 'secondFactor.title',
    uid: details.uid,
    totp: account.totp !== undefined,
    passkeys: (account.passkeys?.length ?? 0) > 0,
    recovery: (account.recoveryCodes?.hashes.length ?? 0) > 0,
    error,
  });
  ctx.status = status;
}

async function showEnrolment(
  ctx: Context,
  deps: SecondFactorDeps,
  details: Details,
  account: Account,
  error?: Text,
): Promise<void> {
  const { secret, uri } = await deps.factors.beginTotp(account, deps.issuerName);
  await renderPage(ctx, 'enroll-totp', {
    title: 'enroll.title',
    uid: details.uid,
    secret: secret.match(/.{1,4}/g)!.join(' '),
    qr: await totpQrCode(uri),
    action: `/interaction/${details.uid}/enroll`,
    error,
  });
}

// Ends the interaction signed in as `account` by `method`; sends the browser on.
async function finish(
  ctx: Context,
  deps: SecondFactorDeps,
  details: Details,
  account: Account,
  method: SignInMethod,
): Promise<void> {
  const location = await result_(ctx, deps, details, account, method);
  ctx.status = 303;
  ctx.redirect(location);
}

// The interaction's result for a sign-in as `account` by `method`: where the browser goes next.
async function result_(
  ctx: Context,
  deps: SecondFactorDeps,
  details: Details,
  account: Account,
  method: SignInMethod,
): Promise<string> {
  const amr = amrOf(method);
  await deps.steps.end(details.uid);
  return deps
    .provider()
    .interactionResult(
      ctx.req,
      ctx.res,
      { login: { accountId: account.id, acr: acrOf(amr), amr } },
      { mergeWithLastSubmission: false },
    );
}

function failure(result: SecondFactorResult): Text {
  if ('refused' in result) return retryMessage(result.refused, result.retryAfter);
  if (result.passed) return [];
  if (result.lockedOut)
    return [
      WRONG_CODE,
      retryMessage(result.lockedOut === 'account' ? 'locked' : 'address', result.retryAfter),
    ];
  return result.retryAfter ? [WRONG_CODE, retryMessage('wait', result.retryAfter)] : WRONG_CODE;
}

function statusOf(result: SecondFactorResult): number {
  if ('refused' in result) return 429;
  return result.passed ? 200 : 400;
}

function basePathOf(ctx: Context): string {
  return (ctx.state as { basePath?: string }).basePath ?? '';
}

function field(value: unknown): string {
  return typeof value === 'string' ? value.slice(0, MAX_FIELD) : '';
}
