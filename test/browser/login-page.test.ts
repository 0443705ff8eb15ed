import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { type Browser, type Page } from 'playwright-core';
import { launchChromium } from '../support/chromium.ts';
import { authorizationRequest, discover } from '../support/flows.ts';
import { startTestSso, type TestSso } from '../support/sso.ts';

// A real browser (Debian's Chromium, driven by playwright-core) through the sign-in pages: labelled
// fields, a 360 px wide screen, no blocked resources under the CSP, and the redirect back to the app.

describe('sign-in pages in a real browser', () => {
  let sso: TestSso;
  let browser: Browser;
  let rp: Server;
  let redirectUri: string;
  let app: oidc.Configuration;
  let kim: { password: string };

  beforeAll(async () => {
    rp = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/plain' }).end('back at the app'),
    );
    await new Promise<void>((resolve) => rp.listen(0, '127.0.0.1', resolve));
    redirectUri = `http://127.0.0.1:${(rp.address() as AddressInfo).port}/callback`;
    sso = await startTestSso({ basePath: '/auth' });
    kim = await sso.user({ username: 'kim', name: 'Kim' });
    const client = await sso.client({
      type: 'confidential',
      name: 'Browser App',
      grantTypes: ['authorization_code'],
      redirectUris: [redirectUri],
    });
    app = await discover(sso.issuer, client.clientId, client.secret);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await sso?.stop();
    await new Promise((resolve) => rp?.close(resolve));
  });

  const phonePage = async (): Promise<{ page: Page; problems: string[] }> => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('requestfailed', (request) =>
      problems.push(`${request.url()} ${request.failure()?.errorText}`),
    );
    return { page, problems };
  };

  const fitsTheScreen = (page: Page) =>
    page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

  test('log in and consent at 360 px, and land back at the app with a code', async () => {
    const { page, problems } = await phonePage();
    const request = await authorizationRequest(app, { redirect_uri: redirectUri });
    await page.goto(request.url.href);

    await expect(page.getByRole('heading', { name: 'Sign in' }).isVisible()).resolves.toBe(true);
    expect(await fitsTheScreen(page)).toBe(true);
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background).not.toBe('rgba(0, 0, 0, 0)'); // Bootstrap's stylesheet was applied
    await page.screenshot({
      path: `${process.env.SSO_SCREENSHOTS ?? '/tmp'}/sso-login-360.png`,
      fullPage: true,
    });

    await page.getByLabel('Username or email').fill('kim');
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain(
      'Incorrect username or password.',
    );

    await page.getByLabel('Password').fill(kim.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Allow access' }).waitFor();
    expect(await fitsTheScreen(page)).toBe(true);
    await page.screenshot({
      path: `${process.env.SSO_SCREENSHOTS ?? '/tmp'}/sso-consent-360.png`,
      fullPage: true,
    });
    await page.getByRole('button', { name: 'Allow' }).click();

    await page.waitForURL((url) => url.href.startsWith(redirectUri));
    const callback = new URL(page.url());
    expect(callback.searchParams.get('state')).toBe(request.state);
    const tokens = await oidc.authorizationCodeGrant(app, callback, {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    });
    expect(tokens.claims()!.sub).toBeDefined();
    expect(problems).toEqual([]);
  });

  test('the error page is readable and shows the error code', async () => {
    const { page, problems } = await phonePage();
    await page.goto(`${sso.issuer}/auth?client_id=nobody&response_type=code&scope=openid`);
    await expect(page.locator('#error-code').textContent()).resolves.toBe('invalid_client');
    expect(await fitsTheScreen(page)).toBe(true);
    expect(problems.filter((problem) => !problem.includes('400'))).toEqual([]);
  });
});
