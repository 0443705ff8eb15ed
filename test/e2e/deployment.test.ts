import { afterAll, beforeAll, expect, test } from '@jest/globals';
import * as jose from 'jose';
import * as oidc from 'openid-client';
import { authorizationRequest, discover, POST_LOGOUT_URI, REDIRECT_URI } from '../support/flows.ts';
import { freePort } from '../support/free-port.ts';
import { describeForBackends, startTestSso, type TestSso } from '../support/sso.ts';
import { startTlsProxy, type TlsProxy } from '../support/tls-proxy.ts';
import { formTo, left, page, UserAgent } from '../support/user-agent.ts';

// The same flows at the root, under a path prefix, and behind a TLS-terminating reverse proxy (a
// real one, in its own process: https in with its own certificate, plain http to SSO, forwarding
// the public scheme and host in X-Forwarded-Proto/Host): issuer and path bugs show up here.
const ORDERS = 'https://api.example.test/orders';

interface Shape {
  name: string;
  basePath?: string;
  proxied?: boolean;
}

const shapes: Shape[] = [
  { name: 'at the root' },
  { name: 'under the path prefix /auth', basePath: '/auth' },
  {
    name: 'behind a TLS-terminating proxy process at https://localhost:<port>/auth',
    basePath: '/auth',
    proxied: true,
  },
];

describeForBackends(
  (['sqlite', 'mongodb'] as const).flatMap((backend) =>
    shapes.map((shape) => ({ ...shape, backend })),
  ),
  'deployed $name ($backend store)',
  (shape) => {
    let sso: TestSso;
    let proxy: TlsProxy | undefined;
    let customFetch: oidc.CustomFetch | undefined;
    let web: oidc.Configuration;
    let worker: oidc.Configuration;
    let credentials: { login: string; password: string };
    let userId: string;

    beforeAll(async () => {
      const proxyPort = shape.proxied ? await freePort() : undefined;
      sso = await startTestSso({
        backend: shape.backend,
        basePath: shape.basePath,
        ...(proxyPort
          ? { publicOrigin: `https://localhost:${proxyPort}`, env: { SSO_TRUST_PROXY: 'true' } }
          : {}),
      });
      if (proxyPort) {
        proxy = await startTlsProxy(proxyPort, sso.listenUrl);
        customFetch = proxy.fetch as oidc.CustomFetch;
      }
      const user = await sso.user({ username: 'ivy', email: 'ivy@example.com' });
      userId = user.id;
      credentials = { login: 'ivy', password: user.password };
      await sso.api({ audience: ORDERS, scopes: ['orders:read'] });
      const webClient = await sso.client({
        type: 'confidential',
        name: 'Web',
        grantTypes: ['authorization_code', 'refresh_token'],
        redirectUris: [REDIRECT_URI],
        postLogoutRedirectUris: [POST_LOGOUT_URI],
      });
      web = await discover(sso.issuer, webClient.clientId, webClient.secret, { customFetch });
      const workerClient = await sso.client({
        type: 'confidential',
        name: 'Worker',
        grantTypes: ['client_credentials'],
        allowedApis: [ORDERS],
      });
      worker = await discover(sso.issuer, workerClient.clientId, workerClient.secret, {
        customFetch,
      });
    });
    afterAll(async () => {
      await proxy?.stop();
      await sso?.stop();
    });

    const agent = () =>
      new UserAgent({
        ssoOrigin: new URL(sso.issuer).origin,
        ...(proxy ? { fetch: proxy.fetch } : {}),
      });

    test('discovery puts every endpoint under the issuer', () => {
      const metadata = web.serverMetadata();
      expect(metadata.issuer).toBe(sso.issuer);
      for (const endpoint of [
        'authorization_endpoint',
        'token_endpoint',
        'userinfo_endpoint',
        'jwks_uri',
        'end_session_endpoint',
        'introspection_endpoint',
        'revocation_endpoint',
        'pushed_authorization_request_endpoint',
        'device_authorization_endpoint',
      ] as const) {
        expect(String(metadata[endpoint])).toMatch(new RegExp(`^${sso.issuer}/`));
      }
    });

    test('the login page, its assets and cookies live under the issuer', async () => {
      const browser = agent();
      const request = await authorizationRequest(web);
      const login = page(await browser.open(request.url.href));
      expect(login.url).toMatch(new RegExp(`^${sso.issuer}/interaction/`));
      expect(login.headers.get('content-security-policy')).toContain("default-src 'none'");
      const stylesheet = /href="([^"]*bootstrap\.min\.css)"/.exec(login.html)![1]!;
      expect(stylesheet).toBe(`${shape.basePath ?? ''}/assets/bootstrap.min.css`);
      const css = await browser.request(new URL(stylesheet, login.url).href);
      expect(css.status).toBe(200);
      expect(css.headers.get('content-type')).toContain('text/css');
      const cookies = await browser.jar.getCookies(login.url);
      expect(cookies.length).toBeGreaterThan(0);
      for (const cookie of cookies) {
        expect(cookie.path!.startsWith(shape.basePath ?? '/')).toBe(true);
        expect(cookie.secure).toBe(Boolean(shape.proxied));
      }
    });

    test('code flow, userinfo, refresh and logout', async () => {
      const browser = agent();
      const request = await authorizationRequest(web);
      const login = page(await browser.open(request.url.href));
      const consent = page(await browser.submit(formTo(login, '/login'), credentials));
      const callback = left(await browser.submit(formTo(consent, '/confirm')));
      const tokens = await oidc.authorizationCodeGrant(web, callback, {
        pkceCodeVerifier: request.verifier,
        expectedState: request.state,
        expectedNonce: request.nonce,
      });
      expect(tokens.claims()!.iss).toBe(sso.issuer);
      expect((await oidc.fetchUserInfo(web, tokens.access_token, userId)).email).toBe(
        'ivy@example.com',
      );
      const refreshed = await oidc.refreshTokenGrant(web, tokens.refresh_token!);
      expect(refreshed.claims()!.iss).toBe(sso.issuer);

      const logout = page(
        await browser.open(
          oidc.buildEndSessionUrl(web, {
            id_token_hint: tokens.id_token!,
            post_logout_redirect_uri: POST_LOGOUT_URI,
          }).href,
        ),
      );
      const back = left(
        await browser.submit(formTo(logout, '/session/end/confirm'), {}, { logout: 'yes' }),
      );
      expect(back.origin + back.pathname).toBe(POST_LOGOUT_URI);
    });

    test('client-credentials JWTs carry the issuer and verify against the published JWKS', async () => {
      const { access_token: token } = await oidc.clientCredentialsGrant(worker, {
        scope: 'orders:read',
        resource: ORDERS,
      });
      const jwksUrl = worker.serverMetadata().jwks_uri!;
      const jwks = (await (
        await (customFetch ?? fetch)(jwksUrl, { method: 'GET', headers: {} } as never)
      ).json()) as jose.JSONWebKeySet;
      const { payload } = await jose.jwtVerify(token, jose.createLocalJWKSet(jwks), {
        issuer: sso.issuer,
        audience: ORDERS,
      });
      expect(payload.scope).toBe('orders:read');
    });

    test('health answers under the issuer', async () => {
      const response = await agent().request(`${sso.issuer}/healthz`, {
        headers: { accept: 'application/json' },
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ok', store: shape.backend });
    });
  },
);
