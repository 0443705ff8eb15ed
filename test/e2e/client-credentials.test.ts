import { afterAll, beforeAll, expect, test } from '@jest/globals';
import * as jose from 'jose';
import * as oidc from 'openid-client';
import { discover } from '../support/flows.ts';
import { describeEachBackend, startTestSso, type TestSso } from '../support/sso.ts';

const ORDERS = 'https://api.example.test/orders';
const BILLING = 'https://billing.example.test';

describeEachBackend('client credentials and resource indicators (%s store)', (backend) => {
  let sso: TestSso;
  let worker: oidc.Configuration;
  let jwks: ReturnType<typeof jose.createRemoteJWKSet>;

  beforeAll(async () => {
    sso = await startTestSso({ backend });
    await sso.api({
      audience: ORDERS,
      name: 'Orders',
      scopes: ['orders:read', 'orders:write'],
      accessTokenTtl: 300,
    });
    await sso.api({ audience: BILLING, scopes: ['billing:read'] });
    const client = await sso.client({
      type: 'confidential',
      name: 'Worker',
      grantTypes: ['client_credentials'],
      allowedApis: [ORDERS],
    });
    worker = await discover(sso.issuer, client.clientId, client.secret);
    jwks = jose.createRemoteJWKSet(new URL(worker.serverMetadata().jwks_uri!));
  });
  afterAll(async () => {
    await sso.stop();
  });

  test('a token for a registered API is an RFC 9068 JWT that verifies against the JWKS', async () => {
    const tokens = await oidc.clientCredentialsGrant(worker, {
      scope: 'orders:read',
      resource: ORDERS,
    });
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.expires_in).toBe(300);
    const { payload, protectedHeader } = await jose.jwtVerify(tokens.access_token, jwks, {
      issuer: sso.issuer,
      audience: ORDERS,
      typ: 'at+jwt',
      algorithms: ['ES256'],
    });
    expect(payload.scope).toBe('orders:read');
    expect(payload.client_id).toBe(worker.clientMetadata().client_id);
    expect(payload.exp! - payload.iat!).toBe(300);
    expect(protectedHeader.kid).toBeDefined();
  });

  test('without a resource parameter the only API the client may use is the audience', async () => {
    const tokens = await oidc.clientCredentialsGrant(worker, { scope: 'orders:read orders:write' });
    const { payload } = await jose.jwtVerify(tokens.access_token, jwks, {
      issuer: sso.issuer,
      audience: ORDERS,
    });
    expect(String(payload.scope).split(' ').sort()).toEqual(['orders:read', 'orders:write']);
  });

  test('a scope the API does not accept is refused with invalid_scope, naming it', async () => {
    await expect(
      oidc.clientCredentialsGrant(worker, { scope: 'orders:read billing:read', resource: ORDERS }),
    ).rejects.toMatchObject({
      error: 'invalid_scope',
      error_description: `${ORDERS} does not accept the scope "billing:read"`,
    });
  });

  test('without a scope, the token carries every scope of the API (as Keycloak and Hydra do)', async () => {
    for (const parameters of [{ resource: ORDERS }, {}] as Record<string, string>[]) {
      const tokens = await oidc.clientCredentialsGrant(worker, parameters);
      expect(tokens.scope).toBe('orders:read orders:write');
      const { payload } = await jose.jwtVerify(tokens.access_token, jwks, {
        issuer: sso.issuer,
        audience: ORDERS,
      });
      expect(payload.scope).toBe('orders:read orders:write');
    }
  });

  test('scopes without an API to name them for are refused, not dropped', async () => {
    const plain = await sso.client({ type: 'confidential', grantTypes: ['client_credentials'] });
    const config = await discover(sso.issuer, plain.clientId, plain.secret);
    await expect(
      oidc.clientCredentialsGrant(config, { scope: 'orders:read' }),
    ).rejects.toMatchObject({ error: 'invalid_scope' });
    // Without scopes it gets an opaque token for itself, as before.
    expect((await oidc.clientCredentialsGrant(config)).access_token.split('.')).toHaveLength(1);
  });

  test('an API the client is not allowed to use is refused with invalid_target', async () => {
    await expect(
      oidc.clientCredentialsGrant(worker, { scope: 'billing:read', resource: BILLING }),
    ).rejects.toMatchObject({ error: 'invalid_target' });
    await expect(
      oidc.clientCredentialsGrant(worker, { scope: 'x', resource: 'https://unknown.example.test' }),
    ).rejects.toMatchObject({ error: 'invalid_target' });
  });

  test('a token signed by SSO does not verify for another audience', async () => {
    const tokens = await oidc.clientCredentialsGrant(worker, {
      scope: 'orders:read',
      resource: ORDERS,
    });
    await expect(
      jose.jwtVerify(tokens.access_token, jwks, { issuer: sso.issuer, audience: BILLING }),
    ).rejects.toMatchObject({ code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' });
  });

  test('a client without APIs gets an opaque token that introspects as active', async () => {
    const client = await sso.client({
      type: 'confidential',
      name: 'Plain',
      grantTypes: ['client_credentials'],
    });
    const plain = await discover(sso.issuer, client.clientId, client.secret);
    const tokens = await oidc.clientCredentialsGrant(plain, {});
    expect(tokens.access_token.split('.')).toHaveLength(1);
    const introspection = await oidc.tokenIntrospection(plain, tokens.access_token);
    expect(introspection).toMatchObject({
      active: true,
      client_id: client.clientId,
      token_type: 'Bearer',
    });
  });
});
