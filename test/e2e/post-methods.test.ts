// POST to the authorization endpoint (OIDC Core §3.1.2.1: MUST) and to the end-session endpoint
// (RP-Initiated Logout §2), which need the session cookie to travel with a cross-site POST, so
// SameSite=None. The scripted browser applies SameSite rules as a browser does for a form that a
// relying party's page posts to SSO: only SameSite=None cookies go with the POST itself, Lax ones
// again with the top-level GETs of the redirects that follow.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as oidc from 'openid-client';
import {
  authorizationRequest,
  codeFlow,
  discover,
  POST_LOGOUT_URI,
  REDIRECT_URI,
} from '../support/flows.ts';
import { startTestSso, type TestSso } from '../support/sso.ts';
import { formTo, left, page, UserAgent, type UserAgentOptions } from '../support/user-agent.ts';

const PUBLIC_ORIGIN = 'https://sso.example.test';

interface Setting {
  name: string;
  https: boolean;
  env?: Record<string, string>;
  sameSite: 'none' | 'lax';
}

const settings: Setting[] = [
  { name: 'https issuer, default', https: true, sameSite: 'none' },
  {
    name: 'https issuer, SSO_COOKIE_SAMESITE=lax',
    https: true,
    env: { SSO_COOKIE_SAMESITE: 'lax' },
    sameSite: 'lax',
  },
  { name: 'http issuer, default', https: false, sameSite: 'lax' },
];

describe.each(settings)('POST to the browser endpoints ($name)', (setting) => {
  let sso: TestSso;
  let web: oidc.Configuration;
  let route: UserAgentOptions['route'];
  let customFetch: oidc.CustomFetch | undefined;
  let credentials: { login: string; password: string };

  beforeAll(async () => {
    sso = await startTestSso({
      ...(setting.https ? { publicOrigin: PUBLIC_ORIGIN } : {}),
      env: { ...(setting.https ? { SSO_TRUST_PROXY: 'true' } : {}), ...setting.env },
    });
    if (setting.https) {
      // A TLS-terminating proxy in front: public https URL in, plain http to SSO.
      route = (url) =>
        url.origin === PUBLIC_ORIGIN
          ? {
              url: new URL(url.pathname + url.search, sso.listenUrl),
              headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': url.host },
            }
          : { url };
      customFetch = (url, options) => {
        const routed = route!(new URL(url));
        return fetch(routed.url, {
          ...(options as RequestInit),
          headers: { ...options.headers, ...routed.headers },
        });
      };
    }
    const user = await sso.user({ username: 'poster' });
    credentials = { login: 'poster', password: user.password };
    const client = await sso.client({
      type: 'confidential',
      grantTypes: ['authorization_code'],
      redirectUris: [REDIRECT_URI],
      postLogoutRedirectUris: [POST_LOGOUT_URI],
      firstParty: true,
    });
    web = await discover(sso.issuer, client.clientId, client.secret, { customFetch });
  });
  afterAll(async () => {
    await sso?.stop();
  });

  // A browser with a session at SSO, and the ID token of that sign-in.
  const signedIn = async () => {
    const browser = new UserAgent({ ssoOrigin: new URL(sso.issuer).origin, route });
    const { tokens } = await codeFlow(web, browser, credentials, { scope: 'openid' });
    return { browser, idToken: tokens.id_token! };
  };

  const sessionCookie = async (browser: UserAgent) =>
    (await browser.jar.getCookies(sso.issuer)).find((cookie) => cookie.key === '_session');

  test(`the session cookie is SameSite=${setting.sameSite}`, async () => {
    const { browser } = await signedIn();
    const cookie = await sessionCookie(browser);
    expect(cookie?.sameSite).toBe(setting.sameSite);
    expect(cookie?.secure).toBe(setting.https);
  });

  if (setting.sameSite === 'none') {
    test('an authorization request posted by the app signs the person in with their session', async () => {
      const { browser } = await signedIn();
      const verifier = oidc.randomPKCECodeVerifier();
      const params = {
        client_id: web.clientMetadata().client_id,
        response_type: 'code',
        scope: 'openid',
        redirect_uri: REDIRECT_URI,
        state: 'posted-state',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      };
      const authorize = web.serverMetadata().authorization_endpoint!;
      const callback = left(
        await browser.submit({ action: authorize, method: 'POST', fields: params }, {}, undefined, {
          crossSite: true,
        }),
      );
      expect(callback.searchParams.get('state')).toBe('posted-state');
      const tokens = await oidc.authorizationCodeGrant(web, callback, {
        pkceCodeVerifier: verifier,
        expectedState: 'posted-state',
      });
      expect(tokens.claims()?.iss).toBe(sso.issuer);
    });

    test('a logout request posted by the app asks for confirmation and signs out', async () => {
      const { browser, idToken } = await signedIn();
      const endSession = web.serverMetadata().end_session_endpoint!;
      const confirm = page(
        await browser.submit(
          {
            action: endSession,
            method: 'POST',
            fields: { id_token_hint: idToken, post_logout_redirect_uri: POST_LOGOUT_URI },
          },
          {},
          undefined,
          { crossSite: true },
        ),
      );
      expect(confirm.status).toBe(200);
      const done = left(await browser.submit(formTo(confirm, '/confirm'), { logout: 'yes' }));
      expect(done.href).toBe(POST_LOGOUT_URI);
      expect(await sessionCookie(browser)).toBeUndefined();
    });
  } else {
    test('POST to the authorization and end-session endpoints is refused with 405; GET works', async () => {
      const { browser } = await signedIn();
      const metadata = web.serverMetadata();
      for (const endpoint of [metadata.authorization_endpoint!, metadata.end_session_endpoint!]) {
        const response = await browser.request(endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'client_id=x',
        });
        expect({ endpoint, status: response.status }).toEqual({ endpoint, status: 405 });
        expect(response.headers.get('allow')).toBe('GET');
      }
      // A link from the app (a cross-site top-level GET) still comes with the Lax session cookie.
      const request = await authorizationRequest(web, { scope: 'openid' });
      const callback = left(
        await browser.submit(
          { action: request.url.href, method: 'GET', fields: {} },
          Object.fromEntries(request.url.searchParams),
          undefined,
          { crossSite: true },
        ),
      );
      expect(callback.searchParams.get('code')).toEqual(expect.any(String));
    });
  }
});
