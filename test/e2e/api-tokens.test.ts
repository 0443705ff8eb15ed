import { afterAll, beforeAll, expect, test } from '@jest/globals';
import * as jose from 'jose';
import * as oidc from 'openid-client';
import { codeFlow, discover, REDIRECT_URI } from '../support/flows.ts';
import { describeEachBackend, startTestSso, type TestSso } from '../support/sso.ts';
import { UserAgent } from '../support/user-agent.ts';

// A web app asking for a token for a registered API gets a JWT access token (RFC 9068) for that
// audience, carrying only the API's scopes and the person's groups.
const ORDERS = 'https://orders.example.test';
const LEGACY = 'https://legacy.example.test';

describeEachBackend('access tokens for APIs in the code flow (%s store)', (backend) => {
  let sso: TestSso;
  let app: oidc.Configuration;
  let jwks: ReturnType<typeof jose.createRemoteJWKSet>;
  let nina: { id: string; password: string };

  beforeAll(async () => {
    sso = await startTestSso({ backend });
    nina = await sso.user({ username: 'nina', groups: ['ops', 'billing'] });
    await sso.api({ audience: ORDERS, name: 'Orders', scopes: ['orders:read', 'orders:write'] });
    await sso.api({ audience: LEGACY, scopes: ['legacy:read'], signingAlg: 'RS256' });
    const client = await sso.client({
      type: 'confidential',
      name: 'Shop',
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: [REDIRECT_URI],
      allowedApis: [ORDERS, LEGACY],
    });
    app = await discover(sso.issuer, client.clientId, client.secret);
    jwks = jose.createRemoteJWKSet(new URL(app.serverMetadata().jwks_uri!));
  });
  afterAll(async () => {
    await sso.stop();
  });

  const signIn = (resource: string, scope: string) =>
    codeFlow(
      app,
      new UserAgent({ ssoOrigin: new URL(sso.issuer).origin }),
      { login: 'nina', password: nina.password },
      { resource, scope },
    );

  test('the access token is a JWT for the API with its scopes and the groups; the ID token is as usual', async () => {
    const { tokens } = await signIn(ORDERS, 'openid orders:read');
    const { payload, protectedHeader } = await jose.jwtVerify(tokens.access_token, jwks, {
      issuer: sso.issuer,
      audience: ORDERS,
      typ: 'at+jwt',
      algorithms: ['ES256'],
    });
    expect(payload).toMatchObject({
      sub: nina.id,
      scope: 'orders:read',
      groups: ['ops', 'billing'],
      client_id: app.clientMetadata().client_id,
    });
    expect(protectedHeader.alg).toBe('ES256');
    expect(tokens.claims()!.sub).toBe(nina.id);
  });

  test('a refresh keeps the audience of the grant', async () => {
    const { tokens } = await signIn(ORDERS, 'openid orders:write');
    const refreshed = await oidc.refreshTokenGrant(app, tokens.refresh_token!);
    const { payload } = await jose.jwtVerify(refreshed.access_token, jwks, {
      issuer: sso.issuer,
      audience: ORDERS,
    });
    expect(payload.scope).toBe('orders:write');
  });

  test('an API registered with RS256 gets RS256-signed tokens', async () => {
    const { tokens } = await signIn(LEGACY, 'openid legacy:read');
    const { protectedHeader } = await jose.jwtVerify(tokens.access_token, jwks, {
      issuer: sso.issuer,
      audience: LEGACY,
      algorithms: ['RS256'],
    });
    expect(protectedHeader.alg).toBe('RS256');
  });

  test('opaque tokens for userinfo carry the groups at introspection', async () => {
    const { tokens } = await codeFlow(
      app,
      new UserAgent({ ssoOrigin: new URL(sso.issuer).origin }),
      { login: 'nina', password: nina.password },
    );
    expect(tokens.access_token.split('.')).toHaveLength(1);
    expect(await oidc.tokenIntrospection(app, tokens.access_token)).toMatchObject({
      active: true,
      groups: ['ops', 'billing'],
    });
  });
});
