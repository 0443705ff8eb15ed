// Second factors over real HTTP, on both stores: an authenticator app set up during a sign-in that
// requires one (codes computed here with otpauth, on SSO's clock moved by the test), one step of
// drift each way and never the same code twice, recovery codes that work once, lockout of guessed
// codes, the policies that require a factor (account, group, application, acr_values), step-up of
// a password-only session, max_age=0, and acr/amr in the ID token.
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import * as oidc from 'openid-client';
import { Secret, TOTP } from 'otpauth';
import { ACR_VALUES } from '../../client-sdk/node/src/contract.ts';
import { authorizationRequest, discover, REDIRECT_URI } from '../support/flows.ts';
import { describeEachBackend, startTestSso, type TestSso } from '../support/sso.ts';
import { formTo, left, page, UserAgent, type Page } from '../support/user-agent.ts';

const PASSWORD = 'second factor password';
const STEP = 30_000;

describeEachBackend('second factors at sign-in (%s store)', (backend) => {
  let sso: TestSso;
  let app: oidc.Configuration;
  let strictApp: oidc.Configuration;
  // Milliseconds by which the test has moved SSO's clock.
  let shift = 0;
  let serial = 0;
  const now = () => Date.now() + shift;

  beforeAll(async () => {
    sso = await startTestSso({
      backend,
      // No waits between failures (the brute-force suite tests those): the lockout comes at the 10th.
      env: { SSO_MFA_GROUPS: 'finance', SSO_LOGIN_DELAY_AFTER: '100' },
      clock: now,
    });
    const client = await sso.client({
      type: 'confidential',
      name: 'Wiki',
      grantTypes: ['authorization_code'],
      redirectUris: [REDIRECT_URI],
      firstParty: true,
    });
    app = await discover(sso.issuer, client.clientId, client.secret);
    const strict = await sso.client({
      type: 'confidential',
      name: 'Payroll',
      grantTypes: ['authorization_code'],
      redirectUris: [REDIRECT_URI],
      firstParty: true,
      requireMfa: true,
    });
    strictApp = await discover(sso.issuer, strict.clientId, strict.secret);
  });
  afterAll(async () => {
    await sso?.stop();
  });
  afterEach(() => {
    shift = 0;
  });

  const agent = () => new UserAgent({ ssoOrigin: new URL(sso.issuer).origin });
  const person = async (fields: Record<string, unknown> = {}) => {
    const username = `person${++serial}`;
    await sso.user({ username, ...fields }, PASSWORD);
    return username;
  };
  const codeAt = (secret: string, time: number) =>
    new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 }).generate({
      timestamp: time,
    });

  // Opens an authorization request and submits the password; answers the page that follows.
  const password = async (browser: UserAgent, username: string, config = app, extra = {}) => {
    const request = await authorizationRequest(config, { scope: 'openid', ...extra });
    const login = page(await browser.open(request.url.href));
    const next = await browser.submit(formTo(login, '/login'), {
      login: username,
      password: PASSWORD,
    });
    return { request, next };
  };

  const tokensFrom = async (
    config: oidc.Configuration,
    request: { verifier: string; state: string; nonce: string },
    callback: URL,
  ) =>
    oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    });

  // Sets up an authenticator app through the sign-in a required factor forces; answers its secret,
  // the recovery codes shown, and the tokens of that first sign-in.
  const enrol = async (browser: UserAgent, username: string, config = strictApp) => {
    const { request, next } = await password(browser, username, config);
    const enrolPage = page(next);
    expect(enrolPage.html).toContain('Set up an authenticator app');
    expect(enrolPage.html).toMatch(/<img src="data:image\/png;base64,/);
    const secret = /id="totp-secret">([A-Z2-7 ]+)</.exec(enrolPage.html)![1]!.replace(/ /g, '');
    const codesPage = page(
      await browser.submit(formTo(enrolPage, '/enroll'), { code: codeAt(secret, now()) }),
    );
    const codes = [
      ...codesPage.html.matchAll(/<li class="list-group-item">([a-z0-9-]+)<\/li>/g),
    ].map((match) => match[1]!);
    const callback = left(await browser.submit(formTo(codesPage, '/enroll/continue')));
    return { secret, codes, tokens: await tokensFrom(config, request, callback) };
  };

  const idToken = (tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers) =>
    tokens.claims()!;

  describe('an authenticator app', () => {
    test('an app that requires a second factor makes the person set one up; the ID token says so', async () => {
      const username = await person();
      const { secret, codes, tokens } = await enrol(agent(), username);
      expect(secret).toMatch(/^[A-Z2-7]{32}$/);
      expect(codes).toHaveLength(10);
      expect(new Set(codes).size).toBe(10);
      expect(idToken(tokens)).toMatchObject({
        acr: ACR_VALUES.multiFactor,
        amr: ['pwd', 'otp', 'mfa'],
      });
      const account = (await sso.accounts.findByLogin(username))!;
      expect(account.totp?.confirmedAt).toBeDefined();
      expect(account.recoveryCodes?.hashes).toHaveLength(10);
    });

    test('once set up, every sign-in asks for a code, also where none is required', async () => {
      const username = await person();
      const { secret } = await enrol(agent(), username);
      shift = 2 * STEP;
      const browser = agent();
      const { request, next } = await password(browser, username, app);
      const asked = page(next);
      expect(asked.html).toContain('Code from your authenticator app');
      const callback = left(
        await browser.submit(formTo(asked, '/second-factor/totp'), { code: codeAt(secret, now()) }),
      );
      expect(idToken(await tokensFrom(app, request, callback))).toMatchObject({
        acr: ACR_VALUES.multiFactor,
        amr: ['pwd', 'otp', 'mfa'],
      });
    });

    test('one step of drift each way is accepted; two are not; a code works once', async () => {
      const username = await person();
      const { secret } = await enrol(agent(), username);
      // The code is computed once the password step is done, right before it is sent: a step
      // boundary passing during a slow password check would otherwise make "one step behind" two.
      const signInWith = async (code: string | (() => string)) => {
        const browser = agent();
        const { next } = await password(browser, username, app);
        return browser.submit(formTo(page(next), '/second-factor/totp'), {
          code: typeof code === 'string' ? code : code(),
        });
      };
      shift = 10 * STEP;
      // The device runs a step behind, then a step ahead: both accepted.
      expect('left' in (await signInWith(() => codeAt(secret, now() - STEP)))).toBe(true);
      shift = 12 * STEP;
      let ahead = '';
      const first = await signInWith(() => (ahead = codeAt(secret, now() + STEP)));
      expect('left' in first).toBe(true);
      // The same code again, still within its window: refused.
      const replay = page(await signInWith(ahead));
      expect(replay.status).toBe(400);
      expect(replay.html).toContain('That code is not right');
      // Two steps off: refused.
      shift = 20 * STEP;
      expect(page(await signInWith(() => codeAt(secret, now() - 2 * STEP))).status).toBe(400);
      expect(page(await signInWith(() => codeAt(secret, now() + 2 * STEP))).status).toBe(400);
    });

    test('guessing codes leads to the same pause as guessing passwords, which the password does not lift', async () => {
      const username = await person();
      await enrol(agent(), username);
      const browser = agent();
      let last: Page | undefined;
      for (let i = 0; i < 10; i++) {
        const { next } = await password(browser, username, app);
        shift += 61_000; // past each wait the guard asks for
        last = page(
          await browser.submit(formTo(page(next), '/second-factor/totp'), { code: '000000' }),
        );
      }
      expect(last!.html).toContain('paused');
      // The right password now gets no further: the pause holds.
      const { next } = await password(browser, username, app);
      const paused = page(next);
      expect(paused.status).toBe(429);
      const events = await sso.audit.list({ type: 'login.lockout', user: username, limit: 5 });
      expect(events).toHaveLength(1);
    });
  });

  describe('recovery codes', () => {
    test('each works once, and then not again', async () => {
      const username = await person();
      const { codes } = await enrol(agent(), username);
      const withRecovery = async (code: string) => {
        const browser = agent();
        const { request, next } = await password(browser, username, app);
        const answer = await browser.submit(formTo(page(next), '/second-factor/recovery'), {
          code,
        });
        return { request, answer };
      };
      const first = await withRecovery(codes[3]!.toUpperCase().replace(/-/g, ' '));
      expect(idToken(await tokensFrom(app, first.request, left(first.answer)))).toMatchObject({
        acr: ACR_VALUES.multiFactor,
        amr: ['pwd', 'otp', 'mfa'],
      });
      const again = await withRecovery(codes[3]!);
      expect(page(again.answer).html).toContain('used already');
      expect((await sso.accounts.findByLogin(username))?.recoveryCodes?.hashes).toHaveLength(9);
      expect(page((await withRecovery('not-a-code')).answer).status).toBe(400);
    });
  });

  describe('policies and step-up', () => {
    test('no factor, nothing required: a password is enough, and the token says 1fa', async () => {
      const username = await person();
      const browser = agent();
      const { request, next } = await password(browser, username, app);
      expect(idToken(await tokensFrom(app, request, left(next)))).toMatchObject({
        acr: ACR_VALUES.password,
        amr: ['pwd'],
      });
    });

    test('required by the account, and by a group in SSO_MFA_GROUPS', async () => {
      for (const fields of [{ mfaRequired: true }, { groups: ['finance'] }]) {
        const username = await person(fields);
        const { next } = await password(agent(), username, app);
        expect(page(next).html).toContain('Set up an authenticator app');
      }
    });

    test('acr_values asks for a second factor: a password-only session steps up, asked only for the code', async () => {
      const username = await person();
      const browser = agent();
      // A password-only session first (the app asks nothing special).
      const plain = await password(browser, username, app);
      expect(idToken(await tokensFrom(app, plain.request, left(plain.next))).acr).toBe(
        ACR_VALUES.password,
      );
      // The account gets an authenticator app elsewhere (here: set up through the strict app).
      const { secret } = await enrol(agent(), username);
      shift = 3 * STEP;
      // Now the app asks for 2fa: the same browser is asked for a code only, not the password.
      const stepUp = await authorizationRequest(app, {
        scope: 'openid',
        acr_values: ACR_VALUES.multiFactor,
      });
      const asked = page(await browser.open(stepUp.url.href));
      expect(asked.html).toContain('Code from your authenticator app');
      expect(asked.html).not.toContain('name="password"');
      const callback = left(
        await browser.submit(formTo(asked, '/second-factor/totp'), { code: codeAt(secret, now()) }),
      );
      expect(idToken(await tokensFrom(app, stepUp, callback))).toMatchObject({
        acr: ACR_VALUES.multiFactor,
      });
      // And max_age=0 asks for everything again.
      const fresh = await authorizationRequest(app, { scope: 'openid', max_age: '0' });
      expect(page(await browser.open(fresh.url.href)).html).toContain('name="password"');
    });

    test('a step-up the account cannot meet yet sets up a factor; an app requiring one gets only 2fa tokens', async () => {
      const username = await person();
      const browser = agent();
      const plain = await password(browser, username, app);
      await tokensFrom(app, plain.request, left(plain.next));
      const stepUp = await authorizationRequest(strictApp, { scope: 'openid' });
      const enrolPage = page(await browser.open(stepUp.url.href));
      expect(enrolPage.html).toContain('Set up an authenticator app');
      const secret = /id="totp-secret">([A-Z2-7 ]+)</.exec(enrolPage.html)![1]!.replace(/ /g, '');
      const codesPage = page(
        await browser.submit(formTo(enrolPage, '/enroll'), { code: codeAt(secret, now()) }),
      );
      const callback = left(await browser.submit(formTo(codesPage, '/enroll/continue')));
      expect(idToken(await tokensFrom(strictApp, stepUp, callback)).amr).toEqual([
        'pwd',
        'otp',
        'mfa',
      ]);
    });

    test('bad input: a wrong enrolment code, forged steps, a code for a sign-in nobody started', async () => {
      const username = await person({ mfaRequired: true });
      const browser = agent();
      const { next } = await password(browser, username, app);
      const enrolPage = page(next);
      const wrong = page(await browser.submit(formTo(enrolPage, '/enroll'), { code: '123456' }));
      expect(wrong.status).toBe(400);
      expect(wrong.html).toContain('not the current one');
      // Skipping the enrolment: refused.
      const skipped = page(
        await browser.submit({
          ...formTo(enrolPage, '/enroll'),
          action: formTo(enrolPage, '/enroll').action.replace('/enroll', '/enroll/continue'),
        }),
      );
      expect(skipped.status).toBe(400);
      // Another browser cannot use this interaction.
      const stranger = page(await agent().submit(formTo(enrolPage, '/enroll'), { code: '123456' }));
      expect(stranger.status).toBe(400);
      // No second-factor page for an interaction whose password step did not happen.
      const fresh = agent();
      const request = await authorizationRequest(app, { scope: 'openid' });
      const login = page(await fresh.open(request.url.href));
      const uid = /\/interaction\/([^/]+)\/login/.exec(formTo(login, '/login').action)![1]!;
      const forged = page(await fresh.open(`${sso.issuer}/interaction/${uid}/second-factor`));
      expect(forged.status).toBe(400);
      expect(forged.html).toContain(
        'This page belongs to a step of the sign-in that is already over.',
      );
    });
  });
});
