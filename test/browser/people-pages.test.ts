// Every page people see, in a real browser (Debian's Chromium through playwright-core), on a branded
// SSO with mail, self-registration and a group that needs a second factor: sign-in, a wrong
// password, forgot password and the reset link from the mail, registration and its link, setting up
// an authenticator app, recovery codes, consent, the second factor, sign-out, the device flow, the
// error pages, the sign-in page in French and in Arabic (right to left), and the account page.
// Each page is checked with axe-core (WCAG 2.2 A/AA and best practices: no serious or critical
// violation), must fit a 360 px screen and load nothing the CSP blocks, and is screenshot at 1280
// and 360 px into SSO_SCREENSHOTS (default test-results/screenshots)/pages. Then a sign-in with the
// keyboard only (typing, Tab and Enter; no clicks). Each screenshot is checked to be a PNG of its
// width; the directory is git-ignored, for people to review.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import { Secret, TOTP } from 'otpauth';
import { type Browser, type Page } from 'playwright-core';
import { launchChromium } from '../support/chromium.ts';
import { authorizationRequest, discover } from '../support/flows.ts';
import { linkIn, Mailbox } from '../support/mailbox.ts';
import { startTestSso, type TestSso } from '../support/sso.ts';

const SHOTS = join(process.env.SSO_SCREENSHOTS ?? 'test-results/screenshots', 'pages');
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const WIDTHS = [1280, 360] as const;
const PASSWORD = 'a long and careful password';

// `file` is a PNG image `width` pixels wide: the signature, then the IHDR chunk with the width
// (RFC 2083 §3.1, §4.1.1), and more than a blank page's few bytes.
function expectPng(file: string, width: number): void {
  const png = readFileSync(file);
  expect({
    file,
    signature: png.subarray(0, 8).toString('hex'),
    header: png.subarray(12, 16).toString('ascii'),
    width: png.readUInt32BE(16),
    substantial: statSync(file).size > 2000,
  }).toEqual({ file, signature: '89504e470d0a1a0a', header: 'IHDR', width, substantial: true });
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

describe('every page people see, in a real browser', () => {
  let sso: TestSso;
  let mailbox: Mailbox;
  let browser: Browser;
  let rp: Server;
  let redirectUri: string;
  let app: oidc.Configuration;
  let tv: oidc.Configuration;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    rmSync(SHOTS, { recursive: true, force: true });
    mkdirSync(SHOTS, { recursive: true });
    rp = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/plain' }).end('back at the app'),
    );
    await new Promise<void>((resolve) => rp.listen(0, '127.0.0.1', resolve));
    const rpOrigin = `http://127.0.0.1:${(rp.address() as AddressInfo).port}`;
    redirectUri = `${rpOrigin}/callback`;
    mailbox = await Mailbox.start();
    sso = await startTestSso({
      basePath: '/auth',
      env: {
        SSO_SMTP_URL: mailbox.url,
        SSO_MAIL_FROM: 'Acme <id@acme.example>',
        SSO_SELF_REGISTRATION: 'true',
        SSO_MFA_GROUPS: 'finance',
        SSO_BRAND_NAME: 'Acme',
        SSO_BRAND_PRIMARY_COLOR: '#0b5394',
        SSO_BRAND_HELP_URL: 'https://help.acme.example/',
        SSO_BRAND_PRIVACY_URL: '/privacy',
      },
    });
    await sso.user(
      { username: 'ada', email: 'ada@acme.example', name: 'Ada', groups: ['finance'] },
      PASSWORD,
    );
    await sso.user({ username: 'kim', name: 'Kim' }, PASSWORD);
    const client = await sso.client({
      type: 'confidential',
      name: 'Ledger',
      grantTypes: ['authorization_code'],
      redirectUris: [redirectUri],
      postLogoutRedirectUris: [`${rpOrigin}/`],
    });
    app = await discover(sso.issuer, client.clientId, client.secret);
    const device = await sso.client({
      type: 'public',
      name: 'Meeting Room Screen',
      grantTypes: ['device_code'],
    });
    tv = await discover(sso.issuer, device.clientId, undefined);
    browser = await launchChromium();
    page = await newPage();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await sso?.stop();
    await mailbox?.stop();
    await new Promise((resolve) => rp?.close(resolve));
  });

  // A page whose console errors and failed (or CSP-blocked) requests are collected; error pages'
  // own 4xx statuses are what they are meant to answer.
  async function newPage(locale = 'en-GB'): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale });
    const opened = await context.newPage();
    opened.on('console', (message) => {
      if (message.type() === 'error' && !/status of 4\d\d/.test(message.text()))
        problems.push(message.text());
    });
    opened.on('requestfailed', (request) =>
      problems.push(`${request.url()} ${request.failure()?.errorText}`),
    );
    return opened;
  }

  // axe-core's serious and critical violations on the page as it is now. The script is evaluated
  // through the DevTools protocol (playwright's evaluate), which the page's CSP does not govern:
  // a <script> tag (addScriptTag) would be refused by script-src 'self', and the CSP stays on.
  const violations = async (on: Page): Promise<string[]> => {
    await on.evaluate(AXE);
    const found = await on.evaluate(async () => {
      const axe = (window as unknown as { axe: { run: (...args: unknown[]) => Promise<unknown> } })
        .axe;
      const result = (await axe.run(document, {
        runOnly: {
          type: 'tag',
          values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'],
        },
      })) as { violations: AxeViolation[] };
      return result.violations;
    });
    return found
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map(
        (v) =>
          `${v.id} (${v.impact}): ${v.help} at ${JSON.stringify(v.nodes.map((n) => n.target))}`,
      );
  };

  // Checks and screenshots the page shown now as `name`, at both widths.
  const visit = async (name: string, on: Page = page) => {
    await on.waitForLoadState('load');
    for (const width of WIDTHS) {
      await on.setViewportSize({ width, height: 900 });
      const fits = await on.evaluate(
        () => document.documentElement.scrollWidth <= window.innerWidth,
      );
      expect({ name, width, fits }).toEqual({ name, width, fits: true });
      expect({ name, width, violations: await violations(on) }).toEqual({
        name,
        width,
        violations: [],
      });
      const file = join(SHOTS, `${name}-${width}.png`);
      await on.screenshot({ path: file, fullPage: true });
      expectPng(file, width);
    }
    await on.setViewportSize({ width: 1280, height: 900 });
    const lang = await on.evaluate(() => document.documentElement.lang);
    expect({ name, lang: lang.length >= 2 }).toEqual({ name, lang: true });
  };

  const signIn = async (login: string, password = PASSWORD, on: Page = page) => {
    await on.getByLabel('Username or email').fill(login);
    await on.getByLabel('Password', { exact: true }).fill(password);
    await on.getByRole('button', { name: 'Sign in', exact: true }).click();
  };
  const mailTo = async (address: string, path: string) => {
    await sso.background.idle();
    const mails = mailbox.to(address);
    return linkIn(mails[mails.length - 1]!, sso.issuer, path);
  };
  const codeAt = (secret: string, time: number) =>
    new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 }).generate({
      timestamp: time,
    });

  test('sign-in, password reset and registration pages', async () => {
    await page.goto((await authorizationRequest(app, { redirect_uri: redirectUri })).url.href);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await visit('login');
    await signIn('ada', 'not the password');
    await page.locator('#login-error').waitFor();
    await visit('login-wrong-password');

    await page.getByRole('link', { name: 'Forgot password?' }).click();
    await page.getByRole('heading', { name: 'Forgot your password?' }).waitFor();
    await visit('forgot-password');
    await page.getByLabel('Username or email').fill('ada@acme.example');
    await page.getByRole('button', { name: 'Send me a link' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    await visit('forgot-password-sent');
    await page.goto(await mailTo('ada@acme.example', '/password/reset'));
    await visit('new-password');
    await page.getByLabel('New password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('New password again').fill(PASSWORD);
    await page.getByRole('button', { name: 'Set the password' }).click();
    await page.getByRole('heading', { name: 'Password changed' }).waitFor();
    await visit('password-changed');

    await page.goto(`${sso.issuer}/register`);
    await visit('register');
    await page.getByLabel('Username').fill('grace');
    await page.getByLabel('Email').fill('grace@acme.example');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Password again').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create the account' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    await page.goto(await mailTo('grace@acme.example', '/register/verify'));
    await visit('register-confirm');
    await page.getByRole('button', { name: 'Create the account' }).click();
    await page.getByRole('heading', { name: 'Account created' }).waitFor();
    await visit('register-done');
    expect(problems).toEqual([]);
  });

  test('second factor set-up, recovery codes, consent, the second factor, sign-out', async () => {
    await page.goto((await authorizationRequest(app, { redirect_uri: redirectUri })).url.href);
    await signIn('ada');
    await page.getByRole('heading', { name: 'Set up an authenticator app' }).waitFor();
    await visit('enroll-totp');
    const secret = (await page.locator('#totp-secret').textContent())!.replace(/ /g, '');
    await page.getByLabel('Code from the app').fill(codeAt(secret, Date.now()));
    await page.getByRole('button', { name: 'Turn it on' }).click();
    await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
    await visit('recovery-codes');
    const recovery = (await page.locator('#recovery-codes li').first().textContent())!.trim();
    await page.getByRole('button', { name: 'I have saved them, continue' }).click();
    await page.getByRole('heading', { name: 'Allow access' }).waitFor();
    await visit('consent');
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL((url) => url.href.startsWith(redirectUri));

    await page.goto(
      (await authorizationRequest(app, { redirect_uri: redirectUri, prompt: 'login' })).url.href,
    );
    await signIn('ada');
    await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
    await visit('second-factor');
    await page.getByText('Use a recovery code').click();
    await page.getByLabel('Recovery code').fill(recovery);
    await page.getByRole('button', { name: 'Continue with a recovery code' }).click();
    await page.waitForURL((url) => url.href.startsWith(redirectUri));

    await page.goto(`${sso.issuer}/session/end`);
    await page.getByRole('heading', { name: 'Sign out' }).waitFor();
    await visit('logout');
    await page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await page.getByRole('heading', { name: 'Signed out' }).waitFor();
    await visit('logged-out');
    expect(problems).toEqual([]);
  });

  test('the device flow, the error pages, French and Arabic, the account page', async () => {
    const authorization = await oidc.initiateDeviceAuthorization(tv, { scope: 'openid' });
    await page.goto(authorization.verification_uri);
    await visit('device-code');
    await page.getByLabel('Code').fill(authorization.user_code);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Confirm the device' }).waitFor();
    await visit('device-confirm');
    await page.getByRole('button', { name: 'Continue' }).click();
    await signIn('kim');
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.getByRole('heading', { name: 'Device connected' }).waitFor();
    await visit('device-done');

    await page.goto(`${sso.issuer}/auth?client_id=nobody&response_type=code&scope=openid`);
    await visit('error');
    const wrongRedirect = (await authorizationRequest(app, { redirect_uri: redirectUri })).url;
    wrongRedirect.searchParams.set('redirect_uri', 'https://elsewhere.example/');
    await page.goto(wrongRedirect.href);
    await page.locator('#back-to-app').waitFor();
    await visit('error-with-way-back');
    await page.goto(`${sso.issuer}/no-such-page`);
    await visit('not-found');

    const french = await newPage('fr-FR');
    await french.goto((await authorizationRequest(app, { redirect_uri: redirectUri })).url.href);
    await french.getByRole('heading', { name: 'Connexion' }).waitFor();
    expect(await french.evaluate(() => document.documentElement.lang)).toBe('fr');
    await visit('login-fr', french);
    const arabic = await newPage('fr-FR');
    await arabic.goto(
      (await authorizationRequest(app, { redirect_uri: redirectUri, ui_locales: 'ar' })).url.href,
    );
    await arabic.getByRole('heading', { name: 'تسجيل الدخول' }).waitFor();
    expect(await arabic.evaluate(() => getComputedStyle(document.body).direction)).toBe('rtl');
    // Right to left: the labels start at the right edge of the form.
    const label = await arabic.getByText('كلمة المرور', { exact: true }).boundingBox();
    const field = await arabic.locator('#password').boundingBox();
    expect(Math.abs(label!.x + label!.width - (field!.x + field!.width))).toBeLessThan(2);
    await visit('login-ar', arabic);

    await page.goto(`${sso.issuer}/account`);
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    await visit('account');
    await page.getByRole('link', { name: 'Set up' }).click();
    await page.getByRole('heading', { name: 'Set up an authenticator app' }).waitFor();
    await visit('account-totp');
    expect(problems).toEqual([]);
  });

  test('signing in with the keyboard only: type, Tab and Enter', async () => {
    const keys = await newPage();
    const request = await authorizationRequest(app, { redirect_uri: redirectUri });
    await keys.goto(request.url.href);
    const focused = () =>
      keys.evaluate(() => {
        const element = document.activeElement as HTMLElement | null;
        return element?.id || element?.textContent?.trim() || element?.tagName;
      });
    // The first field has the focus; Tab moves to the password, Enter submits.
    expect(await focused()).toBe('login');
    await keys.keyboard.type('kim');
    await keys.keyboard.press('Tab');
    expect(await focused()).toBe('password');
    await keys.keyboard.type(PASSWORD);
    await keys.keyboard.press('Enter');
    await keys.getByRole('heading', { name: 'Allow access' }).waitFor();
    // On the consent page, the first Tab reaches "Allow" (after the brand's links, if any came
    // first: here none do, they are at the end).
    await keys.keyboard.press('Tab');
    expect(await focused()).toBe('Allow');
    await keys.keyboard.press('Enter');
    await keys.waitForURL((url) => url.href.startsWith(redirectUri));
    const tokens = await oidc.authorizationCodeGrant(app, new URL(keys.url()), {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    });
    expect(tokens.claims()!.sub).toBeDefined();
    expect(problems).toEqual([]);
  });
});
