// Interoperability with oauth4webapi (panva), an off-the-shelf OAuth 2 / OpenID Connect client we did
// not write: discovery, the code flow with PKCE, ID token and userinfo validation, refresh, client
// credentials, and RFC 9068 access-token validation as a resource server would do it. Everything the
// library checks, it checks with its defaults; only plain-HTTP issuers are allowed (tests run on
// loopback).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as oauth from 'oauth4webapi';
import { REDIRECT_URI, signIn } from '../support/flows.ts';
import { startTestSso, type TestSso } from '../support/sso.ts';
import { UserAgent } from '../support/user-agent.ts';

const ORDERS = 'https://api.example.test/orders';
const http = { [oauth.allowInsecureRequests]: true } as const;

describe('oauth4webapi against SSO', () => {
  let sso: TestSso;
  let as: oauth.AuthorizationServer;
  let web: { client: oauth.Client; auth: oauth.ClientAuth };
  let worker: { client: oauth.Client; auth: oauth.ClientAuth };
  let alice: { id: string; username: string; password: string };

  beforeAll(async () => {
    sso = await startTestSso();
    alice = await sso.user({
      username: 'alice',
      email: 'Alice@Example.com',
      emailVerified: true,
      name: 'Alice Liddell',
      givenName: 'Alice',
      familyName: 'Liddell',
      groups: ['admins', 'staff'],
    });
    await sso.api({ audience: ORDERS, name: 'Orders', scopes: ['orders:read', 'orders:write'] });
    const webApp = await sso.client({
      type: 'confidential',
      name: 'oauth4webapi Web App',
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: [REDIRECT_URI],
    });
    web = { client: { client_id: webApp.clientId }, auth: oauth.ClientSecretBasic(webApp.secret!) };
    const service = await sso.client({
      type: 'confidential',
      name: 'oauth4webapi Worker',
      grantTypes: ['client_credentials'],
      allowedApis: [ORDERS],
    });
    worker = {
      client: { client_id: service.clientId },
      auth: oauth.ClientSecretBasic(service.secret!),
    };
    const issuer = new URL(sso.issuer);
    as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...http }),
    );
  });
  afterAll(async () => {
    await sso.stop();
  });

  /** Signs alice in through SSO's pages and runs the code flow to a validated token response. */
  const codeFlow = async (parameters: Record<string, string>) => {
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const nonce = oauth.generateRandomNonce();
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      client_id: web.client.client_id,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...parameters,
    }).toString();
    const agent = new UserAgent({ ssoOrigin: new URL(sso.issuer).origin });
    const callback = await signIn(agent, url, { login: 'alice', password: alice.password });
    const params = oauth.validateAuthResponse(as, web.client, callback, state);
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      web.client,
      web.auth,
      params,
      REDIRECT_URI,
      verifier,
      http,
    );
    const tokens = await oauth.processAuthorizationCodeResponse(as, web.client, response, {
      expectedNonce: nonce,
      requireIdToken: true,
    });
    return { tokens, nonce, callback };
  };

  test('discovery metadata is accepted as OpenID Provider metadata', () => {
    expect(as.issuer).toBe(sso.issuer);
    expect(as.code_challenge_methods_supported).toContain('S256');
    expect(as.authorization_response_iss_parameter_supported).toBe(true);
  });

  test('code flow with PKCE: ID token, userinfo, refresh', async () => {
    const { tokens, nonce, callback } = await codeFlow({
      scope: 'openid profile email groups offline_access',
      prompt: 'consent',
    });
    // RFC 9207: the redirect carries iss, which validateAuthResponse checked against discovery.
    expect(callback.searchParams.get('iss')).toBe(sso.issuer);
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.refresh_token).toEqual(expect.any(String));
    const claims = oauth.getValidatedIdTokenClaims(tokens)!;
    expect(claims).toMatchObject({ iss: sso.issuer, sub: alice.id, aud: web.client.client_id });
    expect(claims.nonce).toBe(nonce);

    const userinfo = await oauth.processUserInfoResponse(
      as,
      web.client,
      claims.sub,
      await oauth.userInfoRequest(as, web.client, tokens.access_token, http),
    );
    expect(userinfo).toMatchObject({
      sub: alice.id,
      email: 'alice@example.com',
      email_verified: true,
      name: 'Alice Liddell',
      given_name: 'Alice',
      family_name: 'Liddell',
      preferred_username: 'alice',
      groups: ['admins', 'staff'],
    });

    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      web.client,
      await oauth.refreshTokenGrantRequest(as, web.client, web.auth, tokens.refresh_token!, http),
    );
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    expect(oauth.getValidatedIdTokenClaims(refreshed)?.sub).toBe(alice.id);
  });

  test('a rejected access token at userinfo comes with a parseable WWW-Authenticate challenge', async () => {
    const failure = await oauth
      .processUserInfoResponse(
        as,
        web.client,
        oauth.skipSubjectCheck,
        await oauth.userInfoRequest(as, web.client, 'not-a-real-token', http),
      )
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(oauth.WWWAuthenticateChallengeError);
    const challenge = (failure as oauth.WWWAuthenticateChallengeError).cause[0]!;
    expect(challenge.scheme).toBe('bearer');
    expect(challenge.parameters.error).toBe('invalid_token');
  });

  test('client credentials: an RFC 9068 JWT for the API that validates as a resource server would', async () => {
    const tokens = await oauth.processClientCredentialsResponse(
      as,
      worker.client,
      await oauth.clientCredentialsGrantRequest(
        as,
        worker.client,
        worker.auth,
        { scope: 'orders:read', resource: ORDERS },
        http,
      ),
    );
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.scope).toBe('orders:read');
    const request = new Request(ORDERS, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    const claims = await oauth.validateJwtAccessToken(as, request, ORDERS, http);
    expect(claims).toMatchObject({
      iss: sso.issuer,
      aud: ORDERS,
      client_id: worker.client.client_id,
      scope: 'orders:read',
    });
    // The same token is not accepted by a resource server with another audience.
    await expect(
      oauth.validateJwtAccessToken(as, request, 'https://billing.example.test', http),
    ).rejects.toThrow(/aud/);
  });
});
