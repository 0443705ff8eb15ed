// Sign-in for web apps through the Koa and the Express middleware, against a real SSO: the code
// flow with cookies followed, the session cookie, refresh before expiry (one refresh for parallel
// requests), required login and groups, and sign-out.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createClient,
  createWebAuth,
  discoverIssuer,
  type WebAuth,
} from '../../client-sdk/node/src/index.ts';
import { signIn } from '../support/flows.ts';
import { startTestSso, type TestSso } from '../support/sso.ts';
import { formTo, left, page } from '../support/user-agent.ts';
import { FRAMEWORKS, webApp } from './support/apps.ts';
import { browser, setCookies, signInToApp } from './support/browser.ts';
import { listen, recordingFetch, tokenRequest, type Listening } from './support/http.ts';

const ACCESS_TOKEN_TTL = 5;
const REFRESH_SKEW = 2;

describe.each(FRAMEWORKS)('web sign-in with the %s middleware', (framework) => {
  let sso: TestSso;
  let app: Listening;
  let web: WebAuth;
  const recorder = recordingFetch();
  const alice = { login: 'alice', password: '' };
  const bob = { login: 'bob', password: '' };

  beforeAll(async () => {
    sso = await startTestSso({ env: { SSO_ACCESS_TOKEN_TTL: `${ACCESS_TOKEN_TTL}s` } });
    alice.password = (
      await sso.user({ username: 'alice', name: 'Alice Liddell', groups: ['admins'] })
    ).password;
    bob.password = (await sso.user({ username: 'bob', name: 'Bob' })).password;
    app = await listen();
    const registered = await sso.client({
      type: 'confidential',
      name: `Web (${framework})`,
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: [`${app.origin}/callback`],
      postLogoutRedirectUris: [`${app.origin}/signed-out`],
      firstParty: true,
    });
    const issuer = await discoverIssuer(sso.issuer, { allowHttp: true, fetch: recorder.fetch });
    const client = createClient(issuer, {
      clientId: registered.clientId,
      clientSecret: registered.secret!,
    });
    web = createWebAuth(client, {
      baseUrl: app.origin,
      secret: 'a test secret that is at least thirty-two bytes long',
      scope: 'openid profile groups',
      postLogoutRedirectUri: `${app.origin}/signed-out`,
      refreshSkew: REFRESH_SKEW,
    });
    app.handle(webApp(framework, web));
  });
  afterAll(async () => {
    await app?.close();
    await sso?.stop();
  });

  test('the code flow signs the user in and back to where they were going', async () => {
    const agent = browser(sso.issuer);
    const login = await agent.request(`${app.origin}/login?returnTo=%2Fme`);
    expect(login.status).toBe(302);
    const authorize = new URL(login.headers.get('location')!);
    expect(authorize.origin + authorize.pathname).toBe(`${sso.issuer}/auth`);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${app.origin}/callback`);
    for (const parameter of ['code_challenge', 'state', 'nonce']) {
      expect(authorize.searchParams.get(parameter)).toMatch(/^[\w-]{20,}$/);
    }
    const [loginCookie] = setCookies(login);
    expect(loginCookie).toMatch(/^sso_login=[\w-]+\.\.[\w-]+\.[\w-]+\.[\w-]+; /);
    expect(loginCookie).toContain('HttpOnly');
    expect(loginCookie).toContain('SameSite=Lax');
    expect(loginCookie).not.toContain('Secure');

    const callback = await signIn(agent, authorize, alice);
    expect(callback.origin + callback.pathname).toBe(`${app.origin}/callback`);
    const back = await agent.request(callback.href);
    expect(back.status).toBe(302);
    expect(back.headers.get('location')).toBe(`${app.origin}/me`);
    const cookies = setCookies(back);
    expect(cookies).toContainEqual(expect.stringMatching(/^sso_login=; .*Max-Age=0/));
    expect(cookies).toContainEqual(
      expect.stringMatching(/^sso_session=[\w.-]+; .*HttpOnly; SameSite=Lax/),
    );

    const me = await agent.request(`${app.origin}/me`);
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({
      name: 'Alice Liddell',
      groups: ['admins'],
      tokenType: 'Bearer',
    });
    expect(await (await agent.request(`${app.origin}/admin`)).text()).toBe('admin area');
  });

  test('a route that needs a user sends visitors to sign in, and answers 401 to other methods', async () => {
    const agent = browser(sso.issuer);
    const me = await agent.request(`${app.origin}/me?tab=2`);
    expect(me.status).toBe(302);
    expect(me.headers.get('location')).toBe(`${app.origin}/login?returnTo=%2Fme%3Ftab%3D2`);
    const post = await agent.request(`${app.origin}/me`, { method: 'POST' });
    expect(post.status).toBe(401);
    expect(await post.text()).toContain('SSO_NOT_SIGNED_IN');
    expect(await (await agent.request(`${app.origin}/public`)).json()).toEqual({ signedIn: false });
  });

  test('a route that needs a group answers 403 to users outside it', async () => {
    const agent = browser(sso.issuer);
    expect((await signInToApp(agent, app.origin, bob)).status).toBe(302);
    expect((await agent.request(`${app.origin}/me`)).status).toBe(200);
    const admin = await agent.request(`${app.origin}/admin`);
    expect(admin.status).toBe(403);
    expect(await admin.text()).toContain('SSO_GROUP_REQUIRED');
  });

  test('return-to only ever leads back into the app', async () => {
    const agent = browser(sso.issuer);
    for (const target of ['//evil.example/x', 'https://evil.example/', '/\\evil.example']) {
      const back = await signInToApp(agent, app.origin, alice, target);
      expect(back.headers.get('location')).toBe(`${app.origin}/`);
    }
  });

  test('a tampered or foreign session cookie counts as signed out and is removed', async () => {
    const agent = browser(sso.issuer);
    await signInToApp(agent, app.origin, alice);
    const cookie = (await agent.jar.getCookieString(app.origin)).match(/sso_session=([^;]+)/)![1]!;
    const tampered = cookie.slice(0, -4) + (cookie.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const response = await fetch(`${app.origin}/public`, {
      headers: { cookie: `sso_session=${tampered}` },
    });
    expect(await response.json()).toEqual({ signedIn: false });
    expect(setCookies(response)).toContainEqual(
      expect.stringMatching(/^sso_session=; .*Max-Age=0/),
    );
  });

  test('a callback without the sign-in cookie, or with another state, is refused', async () => {
    const agent = browser(sso.issuer);
    const noState = await agent.request(`${app.origin}/callback?code=x&state=y`);
    expect(noState.status).toBe(400);
    expect(await noState.text()).toContain('SSO_LOGIN_STATE_MISSING');
    await agent.request(`${app.origin}/login`);
    const wrongState = await agent.request(
      `${app.origin}/callback?code=x&state=y&iss=${encodeURIComponent(sso.issuer)}`,
    );
    expect(wrongState.status).toBe(400);
    expect(await wrongState.text()).toContain('SSO_LOGIN_FAILED');
  });

  test('the session is refreshed shortly before expiry, once for many parallel requests', async () => {
    const agent = browser(sso.issuer);
    await signInToApp(agent, app.origin, alice);
    const before = (await (await agent.request(`${app.origin}/me`)).json()) as {
      accessToken: string;
      expiresAt: number;
    };
    const refreshes = () => recorder.count(tokenRequest('refresh_token'));
    const refreshesBefore = refreshes();
    // Into the refresh window, but before the access token expires.
    await sleep((before.expiresAt - REFRESH_SKEW - Date.now() / 1000) * 1000 + 300);
    expect(Date.now() / 1000).toBeLessThan(before.expiresAt);

    const cookie = await agent.jar.getCookieString(app.origin);
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => fetch(`${app.origin}/me`, { headers: { cookie } })),
    );
    expect(Date.now() / 1000).toBeLessThan(before.expiresAt);
    expect(refreshes()).toBe(refreshesBefore + 1);
    const seen = await Promise.all(responses.map(async (r) => (await r.json()) as typeof before));
    expect(new Set(seen.map((s) => s.accessToken)).size).toBe(1);
    expect(seen[0]!.accessToken).not.toBe(before.accessToken);
    expect(seen[0]!.expiresAt).toBeGreaterThan(before.expiresAt);
    for (const response of responses) {
      expect(response.headers.getSetCookie()).toContainEqual(
        expect.stringMatching(/^sso_session=[\w.-]+;/),
      );
    }

    // The browser keeps the new cookie; the next request needs no refresh.
    await agent.jar.setCookie(responses[0]!.headers.getSetCookie()[0]!, app.origin);
    const after = (await (await agent.request(`${app.origin}/me`)).json()) as typeof before;
    expect(after.accessToken).toBe(seen[0]!.accessToken);
    expect(refreshes()).toBe(refreshesBefore + 1);
  });

  test('sign-out ends the app session and the SSO session, then comes back to the app', async () => {
    const agent = browser(sso.issuer);
    await signInToApp(agent, app.origin, alice);
    const logout = await agent.request(`${app.origin}/logout`);
    expect(logout.status).toBe(302);
    expect(setCookies(logout)).toContainEqual(expect.stringMatching(/^sso_session=; .*Max-Age=0/));
    const endSession = new URL(logout.headers.get('location')!);
    expect(endSession.origin + endSession.pathname).toBe(`${sso.issuer}/session/end`);
    expect(endSession.searchParams.get('id_token_hint')).toBeTruthy();
    expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(
      `${app.origin}/signed-out`,
    );

    const confirm = page(await agent.open(endSession.href));
    const back = left(
      await agent.submit(formTo(confirm, '/session/end/confirm'), {}, { logout: 'yes' }),
    );
    expect(back.origin + back.pathname).toBe(`${app.origin}/signed-out`);

    expect(await (await agent.request(`${app.origin}/public`)).json()).toEqual({ signedIn: false });
    expect((await agent.request(`${app.origin}/me`)).status).toBe(302);
    // SSO forgot the user too: signing in again shows the login form.
    const again = await agent.request(`${app.origin}/login`);
    const loginPage = page(await agent.open(again.headers.get('location')!));
    expect(loginPage.html).toContain('name="password"');
  });
});
