// The admin console in a real browser (Debian's Chromium through playwright-core), from the first
// start: the setup link printed in SSO's log, the first administrator, an application and a user
// made in the console, that user signing in to the application, and the administrator signing them
// out everywhere, which the application hears over back-channel logout. Every console page is
// screenshot at 1280 and 360 px (SSO_SCREENSHOTS, default test-results/screenshots) and must fit a
// 360 px screen, load nothing the CSP blocks, and log no error.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as jose from 'jose';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { launchChromium } from '../support/chromium.ts';
import { authorizationRequest, discover } from '../support/flows.ts';
import { startTestSso, type TestSso } from '../support/sso.ts';

const SHOTS = join(process.env.SSO_SCREENSHOTS ?? 'test-results/screenshots', 'console');
const ADMIN_PASSWORD = 'the first administrator';
const USER_PASSWORD = 'a person of the company';

describe('admin console in a real browser', () => {
  let sso: TestSso;
  let browser: Browser;
  let rp: Server;
  let rpOrigin: string;
  const logoutTokens: string[] = [];
  const logLines: string[] = [];
  // The console pages screenshot so far, and where they are.
  const pages = new Map<string, string>();

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    rp = createServer((req, res) => {
      if (req.method === 'POST' && req.url === '/backchannel-logout') {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString()));
        req.on('end', () => {
          const token = new URLSearchParams(body).get('logout_token');
          if (token) logoutTokens.push(token);
          res.writeHead(200).end();
        });
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end('back at the app');
    });
    await new Promise<void>((resolve) => rp.listen(0, '127.0.0.1', resolve));
    const { port } = rp.address() as AddressInfo;
    rpOrigin = `http://127.0.0.1:${port}`;
    sso = await startTestSso({
      basePath: '/auth',
      env: { SSO_OUTGOING_ALLOWED_HOSTS: `127.0.0.1:${port}` },
      log: (line) => logLines.push(line),
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await sso?.stop();
    await new Promise((resolve) => rp?.close(resolve));
  });

  // A browser context whose console errors and failed or CSP-blocked requests are collected.
  const session = async (width = 1280) => {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: new URL(sso.issuer).origin,
    });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('requestfailed', (request) =>
      problems.push(`${request.url()} ${request.failure()?.errorText}`),
    );
    return { context, page, problems };
  };

  // Screenshots the page at 1280 and at 360 px (where it must not scroll sideways).
  const shoot = async (page: Page, name: string) => {
    pages.set(name, page.url());
    for (const width of [1280, 360]) {
      await page.setViewportSize({ width, height: 900 });
      const fits = await page.evaluate(
        () => document.documentElement.scrollWidth <= window.innerWidth,
      );
      expect({ name, width, fits }).toEqual({ name, width, fits: true });
      await page.screenshot({
        path: join(SHOTS, `${name.replace(/ /g, '-')}-${width}.png`),
        fullPage: true,
      });
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  };

  // Follows a link of the console's menu.
  const menu = (page: Page, name: string) =>
    page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name }).click();

  const signIn = async (page: Page, login: string, password: string) => {
    await page.getByLabel('Username or email').fill(login);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  };

  // The setup link as SSO's log printed it at start-up.
  const printedSetupLink = () => {
    for (const line of logLines) {
      const entry = JSON.parse(line) as { setupUrl?: string };
      if (entry.setupUrl) return entry.setupUrl;
    }
    throw new Error('no setup link in the log');
  };

  let admin: { context: BrowserContext; page: Page; problems: string[] };
  let app: { clientId: string; secret: string };

  test('first run: the printed setup link makes the first administrator, once', async () => {
    admin = await session();
    const { page } = admin;
    const link = printedSetupLink();
    expect(link).toMatch(new RegExp(`^${sso.issuer}/admin/setup\\?token=[\\w-]{43}$`));
    await page.goto(link);
    await shoot(page, 'setup');
    await page.getByLabel('Username').fill('root');
    await page.getByLabel('Password', { exact: true }).fill(ADMIN_PASSWORD);
    await page.getByLabel('Password again').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Create the administrator' }).click();
    await page.getByRole('heading', { name: 'Administrator created' }).waitFor();

    // The link is spent: a second visit is refused.
    const other = await session();
    const again = await other.page.goto(link);
    expect(again?.status()).toBe(403);
    await expect(other.page.locator('#error-code').textContent()).resolves.toBe(
      'invalid_setup_link',
    );
    await shoot(other.page, 'setup link spent');
    await other.context.close();

    // Signing in goes through SSO's own sign-in page (no consent: the console is first-party).
    await page.getByRole('link', { name: 'Sign in to the console' }).click();
    await signIn(page, 'root', ADMIN_PASSWORD);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await expect(page.locator('#signed-in-as').textContent()).resolves.toBe('root');
    await shoot(page, 'overview');
    expect(admin.problems).toEqual([]);
  }, 120_000);

  test('an administrator creates a web app and a user; the user signs in to the app', async () => {
    const { page } = admin;
    await menu(page, 'Applications');
    await shoot(page, 'applications');
    await page.getByRole('link', { name: 'New application' }).click();
    await shoot(page, 'new application');
    await page.getByLabel('Web app (server-side, with a secret)').check();
    await page.getByLabel('Name').fill('Team Wiki');
    await page.getByLabel(/^Redirect URIs/).fill(`${rpOrigin}/callback`);
    await page.getByLabel(/^Back-channel logout URI/).fill(`${rpOrigin}/backchannel-logout`);
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: 'Application created' }).waitFor();
    await shoot(page, 'application created');
    const clientId = await page.getByLabel('Client id').inputValue();
    const secret = await page.getByLabel('Client secret').inputValue();
    expect(secret).toMatch(/^[\w-]{43}$/);
    // The copy button puts the secret on the clipboard.
    await page.locator('[data-copy="client-secret"]').click();
    await expect(page.evaluate(() => navigator.clipboard.readText())).resolves.toBe(secret);
    await expect(page.locator('#snippet').textContent()).resolves.toContain(
      `clientId: "${clientId}"`,
    );
    app = { clientId, secret };
    await page.getByRole('link', { name: 'Done' }).click();
    await shoot(page, 'application');
    // The secret is on no other page.
    expect(await page.content()).not.toContain(secret);

    await menu(page, 'Users');
    await shoot(page, 'users');
    await page.getByRole('link', { name: 'New user' }).click();
    await shoot(page, 'new user');
    await page.getByLabel('Username').fill('ada');
    await page.getByLabel('Email', { exact: true }).fill('ada@example.com');
    await page.getByLabel('Full name').fill('Ada Lovelace');
    await page.getByLabel(/^Password/).fill(USER_PASSWORD);
    await page.getByRole('button', { name: 'Create' }).click();
    await page.locator('#notice', { hasText: 'Created ada.' }).waitFor();
    await shoot(page, 'user');

    // Ada signs in to the wiki in her own browser, through the code flow.
    const ada = await session();
    const wiki = await discover(sso.issuer, clientId, secret);
    const request = await authorizationRequest(wiki, { redirect_uri: `${rpOrigin}/callback` });
    await ada.page.goto(request.url.href);
    await signIn(ada.page, 'ada', USER_PASSWORD);
    await ada.page.getByRole('button', { name: 'Allow' }).click();
    await ada.page.waitForURL((url) => url.href.startsWith(`${rpOrigin}/callback`));
    const tokens = await oidc.authorizationCodeGrant(wiki, new URL(ada.page.url()), {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    });
    // The profile made in the console is what the app receives.
    const sub = tokens.claims()!.sub;
    await expect(oidc.fetchUserInfo(wiki, tokens.access_token, sub)).resolves.toMatchObject({
      name: 'Ada Lovelace',
      email: 'ada@example.com',
    });
    sid = tokens.claims()!.sid as string;
    accessToken = tokens.access_token;
    wikiConfig = wiki;

    // Ada is no administrator: the console shows her a clear 403.
    const refused = await ada.page.goto(`${sso.issuer}/admin`);
    await ada.page.getByRole('heading', { name: 'Administrators only' }).waitFor();
    expect(refused?.status()).toBe(403);
    await expect(ada.page.locator('#message').textContent()).resolves.toContain('ada');
    await shoot(ada.page, 'not an administrator');
    expect(ada.problems.filter((problem) => !problem.includes('403'))).toEqual([]);
    await ada.context.close();
    expect(admin.problems).toEqual([]);
  }, 120_000);

  let sid: string;
  let accessToken: string;
  let wikiConfig: oidc.Configuration;

  test("signing the user out everywhere ends their session and the app's back channel hears it", async () => {
    const { page } = admin;
    await page.goto(pages.get('user')!);
    await expect(page.locator('#sessions').textContent()).resolves.toContain('Team Wiki');
    await page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await page
      .locator('#notice', {
        hasText: new RegExp(`Signed out of 1 session\\(s\\)\\. Told ${app.clientId}\\.`),
      })
      .waitFor();
    await expect(page.locator('#sessions').textContent()).resolves.toContain('No active sessions.');
    await shoot(page, 'user signed out');
    expect(logoutTokens).toHaveLength(1);
    const jwks = jose.createRemoteJWKSet(new URL(wikiConfig.serverMetadata().jwks_uri!));
    const { payload } = await jose.jwtVerify(logoutTokens[0]!, jwks, {
      issuer: sso.issuer,
      audience: app.clientId,
      typ: 'logout+jwt',
    });
    expect(payload.sid).toBe(sid);
    expect(payload.events).toEqual({ 'http://schemas.openid.net/event/backchannel-logout': {} });
    expect((await oidc.tokenIntrospection(wikiConfig, accessToken)).active).toBe(false);
  }, 60_000);

  test('the other pages: APIs, keys, the audit log, confirmations; signing out', async () => {
    const { page } = admin;
    await menu(page, 'APIs');
    await shoot(page, 'APIs');
    await page.getByRole('link', { name: 'New API' }).click();
    await shoot(page, 'new API');
    await page.getByLabel(/^Audience/).fill('https://wiki.example.com/api');
    await page.getByLabel('Name').fill('Wiki API');
    await page.getByLabel(/^Scopes/).fill('pages:read\npages:write');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.locator('#notice', { hasText: 'API registered.' }).waitFor();
    await shoot(page, 'API');
    await page.getByLabel('Token lifetime').fill('10m');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByLabel('Token lifetime').inputValue()).resolves.toBe('600');
    await shoot(page, 'API edited');
    await page.getByRole('link', { name: 'Delete' }).click();
    await shoot(page, 'confirm delete');
    await page.getByRole('link', { name: 'Cancel' }).click();

    await menu(page, 'Keys');
    await shoot(page, 'keys');
    const before = await page.locator('#keys tbody tr').count();
    await page.getByRole('button', { name: 'Rotate the keys' }).click();
    await expect(page.locator('#keys tbody tr').count()).resolves.toBe(before + 2);

    await menu(page, 'Audit log');
    await shoot(page, 'audit log');
    const events = await page.locator('#events').textContent();
    for (const type of ['user.signout', 'user.create', 'client.create', 'keys.rotate']) {
      expect(events).toContain(type);
    }
    await page.getByLabel('User').fill('ada');
    await page.getByRole('button', { name: 'Filter' }).click();
    const filtered = await page.locator('#events tbody').textContent();
    expect(filtered).toContain('user.signout');
    expect(filtered).not.toContain('keys.rotate');

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('button', { name: 'Sign out everywhere' }).click(); // SSO's confirmation
    await page.getByRole('heading', { name: 'Signed out' }).waitFor();
    await shoot(page, 'signed out');
    // Signed out of SSO too: the console asks for a password again.
    await page.goto(pages.get('users')!);
    await page.getByLabel('Username or email').waitFor();
    expect(admin.problems).toEqual([]);
  }, 120_000);

  test('every console page was screenshot at 1280 and 360 px', () => {
    // Run alone (-t), only that test's pages were seen: this check is for the whole suite.
    if (process.argv.some((arg) => arg === '-t' || arg.startsWith('--testNamePattern'))) return;
    expect([...pages.keys()].sort()).toEqual(
      [
        'API',
        'API edited',
        'APIs',
        'application',
        'application created',
        'applications',
        'audit log',
        'confirm delete',
        'keys',
        'new API',
        'new application',
        'new user',
        'not an administrator',
        'overview',
        'setup',
        'setup link spent',
        'signed out',
        'user',
        'user signed out',
        'users',
      ].sort(),
    );
  });
});
