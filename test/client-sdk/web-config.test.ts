// Web sign-in settings that need no browser: cookie attributes, secret length and rotation.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  createClient,
  createWebAuth,
  discoverIssuer,
  type Client,
} from '../../client-sdk/node/src/index.ts';
import type { WebAuth } from '../../client-sdk/node/src/web-auth.ts';
import { handleWebRequest } from '../../client-sdk/node/src/web-routes.ts';
import { startFakeIssuer, type FakeIssuer } from './support/fake-issuer.ts';

const OLD = 'the old secret, at least thirty-two bytes long';
const NEW = 'the new secret, at least thirty-two bytes long';

describe('web sign-in settings', () => {
  let fake: FakeIssuer;
  let client: Client;

  beforeAll(async () => {
    fake = await startFakeIssuer();
    client = createClient(await discoverIssuer(fake.issuer, { allowHttp: true }), {
      clientId: 'web',
      clientSecret: 'secret',
    });
  });
  afterAll(async () => {
    await fake.close();
  });

  const request = (path: string, cookie?: string) => {
    const url = new URL(path, 'http://localhost');
    return {
      method: 'GET',
      path: url.pathname,
      search: url.search,
      originalUrl: path,
      cookie,
    };
  };
  const loginCookie = async (web: WebAuth) => {
    const outcome = await handleWebRequest(web, request('/login'));
    if (outcome.type !== 'respond') throw new Error('expected a redirect');
    return outcome.setCookies[0]!;
  };

  test('cookies are Secure when the app is served over https, and scoped to its path', async () => {
    const web = createWebAuth(client, { baseUrl: 'https://app.example.test/shop', secret: NEW });
    expect(web.redirectUri).toBe('https://app.example.test/shop/callback');
    const cookie = await loginCookie(web);
    expect(cookie).toMatch(
      /^sso_login=[^;]+; Path=\/shop; Max-Age=600; HttpOnly; SameSite=Lax; Secure$/,
    );
  });

  test('a secret shorter than 32 bytes is refused', () => {
    for (const secret of ['short', ['x'.repeat(32), 'y'.repeat(31)], []]) {
      expect(() => createWebAuth(client, { baseUrl: 'https://a.example', secret })).toThrow(
        expect.objectContaining({ code: 'SSO_CONFIGURATION_INVALID' }),
      );
    }
  });

  test('the configuration is frozen', () => {
    const web = createWebAuth(client, { baseUrl: 'https://a.example', secret: NEW });
    expect(Object.isFrozen(web)).toBe(true);
    expect(Object.isFrozen(web.paths)).toBe(true);
    expect(Object.isFrozen(client)).toBe(true);
  });

  test('after a secret rotation, cookies sealed with the old secret still open', async () => {
    const before = createWebAuth(client, { baseUrl: 'http://localhost', secret: OLD });
    const cookie = (await loginCookie(before)).split(';')[0]!;
    const state = new URLSearchParams(
      new URL(
        ((await handleWebRequest(before, request('/login'))) as { headers: Record<string, string> })
          .headers.location!,
      ).search,
    );
    expect(state.get('state')).toBeTruthy();
    const rotated = createWebAuth(client, { baseUrl: 'http://localhost', secret: [NEW, OLD] });
    const withoutOld = createWebAuth(client, { baseUrl: 'http://localhost', secret: NEW });
    // The old cookie opens (the state check then fails: it is another sign-in's state)...
    const opened = await handleWebRequest(rotated, request('/callback?code=c&state=s', cookie));
    expect(opened).toMatchObject({
      status: 400,
      body: expect.stringContaining('SSO_LOGIN_FAILED'),
    });
    // ...and without the old secret it does not.
    const refused = await handleWebRequest(withoutOld, request('/callback?code=c&state=s', cookie));
    expect(refused).toMatchObject({
      status: 400,
      body: expect.stringContaining('SSO_LOGIN_STATE_MISSING'),
    });
  });
});
