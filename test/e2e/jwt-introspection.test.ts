// Introspection and revocation of JWT access tokens (RFC 9068 tokens, RFC 7662 and RFC 7009
// answers): a JWT is active only while its signature, issuer and expiry hold and its grant, client
// and user are still valid; revoking one ends its grant.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import * as jose from 'jose';
import * as oidc from 'openid-client';
import { codeFlow, discover, REDIRECT_URI } from '../support/flows.ts';
import { describeEachBackend, startTestSso, type TestSso } from '../support/sso.ts';
import { UserAgent } from '../support/user-agent.ts';

const ORDERS = 'https://orders.example.test';

describeEachBackend('JWT access tokens at introspection and revocation (%s store)', (backend) => {
  let sso: TestSso;
  let ordersServer: oidc.Configuration;
  let stranger: oidc.Configuration;

  beforeAll(async () => {
    sso = await startTestSso({ backend });
    await sso.api({ audience: ORDERS, scopes: ['orders:read', 'orders:write'] });
    const server = await sso.client({
      type: 'confidential',
      grantTypes: ['client_credentials'],
      resourceServerFor: [ORDERS],
    });
    ordersServer = await discover(sso.issuer, server.clientId, server.secret);
    const other = await sso.client({ type: 'confidential', grantTypes: ['client_credentials'] });
    stranger = await discover(sso.issuer, other.clientId, other.secret);
  });
  afterAll(async () => {
    await sso.stop();
  });

  // A person signed in to a new app, with a JWT access token for ORDERS and a refresh token.
  const signedIn = async (username: string) => {
    const user = await sso.user({ username, groups: ['ops'] });
    const client = await sso.client({
      type: 'confidential',
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: [REDIRECT_URI],
      allowedApis: [ORDERS],
      firstParty: true,
    });
    const app = await discover(sso.issuer, client.clientId, client.secret);
    const { tokens } = await codeFlow(
      app,
      new UserAgent({ ssoOrigin: new URL(sso.issuer).origin }),
      { login: username, password: user.password },
      { resource: ORDERS, scope: 'openid offline_access orders:read', prompt: 'consent' },
    );
    expect(tokens.access_token.split('.')).toHaveLength(3);
    return { app, tokens, user, clientId: client.clientId };
  };

  test('a JWT access token introspects as active, for its client and for the API it is for', async () => {
    const { app, tokens, user, clientId } = await signedIn('jana');
    const { payload } = await jose.jwtVerify(
      tokens.access_token,
      jose.createRemoteJWKSet(new URL(app.serverMetadata().jwks_uri!)),
    );
    const expected = {
      active: true,
      sub: user.id,
      client_id: clientId,
      aud: ORDERS,
      scope: 'orders:read',
      iss: sso.issuer,
      exp: payload.exp,
      iat: payload.iat,
      token_type: 'Bearer',
      groups: ['ops'],
    };
    expect(await oidc.tokenIntrospection(app, tokens.access_token)).toMatchObject(expected);
    expect(await oidc.tokenIntrospection(ordersServer, tokens.access_token)).toMatchObject(
      expected,
    );
    expect(await oidc.tokenIntrospection(stranger, tokens.access_token)).toEqual({
      active: false,
    });
  });

  test('disabling the user makes it inactive at once', async () => {
    const { tokens } = await signedIn('kurt');
    expect((await oidc.tokenIntrospection(ordersServer, tokens.access_token)).active).toBe(true);
    await sso.accounts.setDisabled('kurt', true);
    expect(await oidc.tokenIntrospection(ordersServer, tokens.access_token)).toEqual({
      active: false,
    });
  });

  test('removing the client makes it inactive at once', async () => {
    const { tokens, clientId } = await signedIn('lotte');
    await sso.clients.remove(clientId);
    expect(await oidc.tokenIntrospection(ordersServer, tokens.access_token)).toEqual({
      active: false,
    });
  });

  test('revoking a JWT access token ends its grant: the token, its siblings and the refresh token', async () => {
    const { app, tokens } = await signedIn('mads');
    const sibling = await oidc.refreshTokenGrant(app, tokens.refresh_token!);
    expect((await oidc.tokenIntrospection(app, sibling.access_token)).active).toBe(true);
    await oidc.tokenRevocation(app, tokens.access_token);
    expect(await oidc.tokenIntrospection(app, tokens.access_token)).toEqual({ active: false });
    expect(await oidc.tokenIntrospection(app, sibling.access_token)).toEqual({ active: false });
    await expect(oidc.refreshTokenGrant(app, sibling.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  test('a JWT SSO did not sign is inactive, whatever it claims', async () => {
    const { app, tokens } = await signedIn('nils');
    const { privateKey } = await jose.generateKeyPair('ES256');
    const payload = jose.decodeJwt(tokens.access_token);
    const forged = await new jose.SignJWT(payload)
      .setProtectedHeader({
        alg: 'ES256',
        typ: 'at+jwt',
        kid: jose.decodeProtectedHeader(tokens.access_token).kid!,
      })
      .sign(privateKey);
    expect(await oidc.tokenIntrospection(app, forged)).toEqual({ active: false });
    // The genuine token is untouched by that.
    expect((await oidc.tokenIntrospection(app, tokens.access_token)).active).toBe(true);
  });

  test('a client-credentials JWT introspects as active, and revoking it makes it inactive', async () => {
    const worker = await sso.client({
      type: 'confidential',
      grantTypes: ['client_credentials'],
      allowedApis: [ORDERS],
    });
    const config = await discover(sso.issuer, worker.clientId, worker.secret);
    const { access_token: token } = await oidc.clientCredentialsGrant(config, {
      resource: ORDERS,
    });
    expect(token.split('.')).toHaveLength(3);
    expect(await oidc.tokenIntrospection(ordersServer, token)).toMatchObject({
      active: true,
      client_id: worker.clientId,
      aud: ORDERS,
      scope: 'orders:read orders:write',
    });
    await oidc.tokenRevocation(config, token);
    expect(await oidc.tokenIntrospection(ordersServer, token)).toEqual({ active: false });
  });
});
