// Local verification of access tokens: real SSO tokens accepted; expired, wrong-audience,
// wrong-issuer, `alg: none`, HS256-confusion, tampered, untyped and unknown-key tokens refused with
// their codes. Unknown keys cause one JWKS refetch, rate-limited.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  base64url,
  decodeJwt,
  decodeProtectedHeader,
  generateKeyPair,
  SignJWT,
  type JWK,
} from 'jose';
import { createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  clientCredentials,
  createClient,
  createVerifier,
  discoverIssuer,
  getToken,
  requireGroups,
  requireScopes,
  verifyAccessToken,
  type Client,
  type Verifier,
} from '../../client-sdk/node/src/index.ts';
import { startTestSso, type TestSso } from '../support/sso.ts';
import { startFakeIssuer, type FakeIssuer } from './support/fake-issuer.ts';
import { jwksRequest, recordingFetch } from './support/http.ts';

const ORDERS = 'https://api.example.test/orders';
const BILLING = 'https://billing.example.test';

const now = () => Math.floor(Date.now() / 1000);
const encode = (value: unknown) => base64url.encode(JSON.stringify(value));

describe('verifying access tokens locally', () => {
  let sso: TestSso;
  let client: Client;
  let verifier: Verifier;
  let fake: FakeIssuer;
  let fakeVerifier: Verifier;
  const recorder = recordingFetch();
  const ordersToken = async (scope = 'orders:read') =>
    (await getToken(clientCredentials(client, { resource: ORDERS, scope }))).accessToken;

  beforeAll(async () => {
    sso = await startTestSso();
    await sso.api({ audience: ORDERS, scopes: ['orders:read', 'orders:write'] });
    await sso.api({ audience: BILLING, scopes: ['billing:read'] });
    const registered = await sso.client({
      type: 'confidential',
      grantTypes: ['client_credentials'],
      allowedApis: [ORDERS, BILLING],
    });
    const issuer = await discoverIssuer(sso.issuer, {
      allowHttp: true,
      fetch: recorder.fetch,
      jwksCooldown: 1,
    });
    client = createClient(issuer, {
      clientId: registered.clientId,
      clientSecret: registered.secret!,
    });
    verifier = createVerifier(issuer, { audience: ORDERS });
    fake = await startFakeIssuer();
    fakeVerifier = createVerifier(await discoverIssuer(fake.issuer, { allowHttp: true }), {
      audience: ORDERS,
    });
  });
  afterAll(async () => {
    await fake?.close();
    await sso?.stop();
  });

  const claims = (overrides: Record<string, unknown> = {}) => ({
    iss: fake.issuer,
    aud: ORDERS,
    sub: 'service-1',
    client_id: 'service-1',
    scope: 'orders:read',
    iat: now(),
    exp: now() + 300,
    jti: 'id-1',
    ...overrides,
  });

  test('a real SSO access token for this API is accepted, with its claims and scopes', async () => {
    const verified = await verifyAccessToken(
      verifier,
      await ordersToken('orders:read orders:write'),
    );
    expect(verified).toMatchObject({
      via: 'jwt',
      dpop: false,
      claims: { iss: sso.issuer, aud: ORDERS, client_id: expect.any(String) },
    });
    expect([...verified.scopes].sort()).toEqual(['orders:read', 'orders:write']);
    expect(() => requireScopes(verified, ['orders:write'])).not.toThrow();
  });

  test('a real SSO token for another API is refused: SSO_AUDIENCE_MISMATCH', async () => {
    const billing = (await getToken(clientCredentials(client, { resource: BILLING }))).accessToken;
    await expect(verifyAccessToken(verifier, billing)).rejects.toMatchObject({
      code: 'SSO_AUDIENCE_MISMATCH',
      status: 401,
      oauthError: 'invalid_token',
    });
  });

  test('a tampered token is refused: SSO_SIGNATURE_INVALID', async () => {
    const [header, payload, signature] = (await ordersToken()).split('.');
    const changed = encode({ ...decodeJwt(`${header}.${payload}.`), scope: 'orders:write' });
    await expect(
      verifyAccessToken(verifier, `${header}.${changed}.${signature}`),
    ).rejects.toMatchObject({
      code: 'SSO_SIGNATURE_INVALID',
    });
  });

  test('alg none is refused before any key is looked up: SSO_ALGORITHM_NOT_ALLOWED', async () => {
    const payload = decodeJwt(await ordersToken());
    for (const alg of ['none', 'None']) {
      const unsigned = `${encode({ alg, typ: 'at+jwt' })}.${encode(payload)}.`;
      await expect(verifyAccessToken(verifier, unsigned)).rejects.toMatchObject({
        code: 'SSO_ALGORITHM_NOT_ALLOWED',
      });
    }
  });

  test('HS256 signed with the public key as the secret is refused: SSO_ALGORITHM_NOT_ALLOWED', async () => {
    const real = await ordersToken();
    const { kid } = decodeProtectedHeader(real) as { kid: string };
    const jwks = (await (await fetch(`${sso.issuer}/jwks`)).json()) as { keys: JWK[] };
    const publicJwk = jwks.keys.find((key) => key.kid === kid)!;
    const payload = decodeJwt(real);
    for (const secret of [JSON.stringify(publicJwk), publicJwk.x!, publicJwk.kid!]) {
      const signingInput = `${encode({ alg: 'HS256', typ: 'at+jwt', kid })}.${encode(payload)}`;
      const mac = createHmac('sha256', secret).update(signingInput).digest('base64url');
      await expect(verifyAccessToken(verifier, `${signingInput}.${mac}`)).rejects.toMatchObject({
        code: 'SSO_ALGORITHM_NOT_ALLOWED',
      });
    }
    expect(() =>
      createVerifier(verifier.issuer, { audience: ORDERS, algorithms: ['HS256'] }),
    ).toThrow(expect.objectContaining({ code: 'SSO_CONFIGURATION_INVALID' }));
    expect(() =>
      createVerifier(verifier.issuer, { audience: ORDERS, algorithms: ['none'] }),
    ).toThrow(expect.objectContaining({ code: 'SSO_CONFIGURATION_INVALID' }));
  });

  test('an unknown key id causes one JWKS refetch, then SSO_KEY_NOT_FOUND; more within the cooldown cause none', async () => {
    await verifyAccessToken(verifier, await ordersToken());
    await sleep(1100); // past the 1 s cooldown configured above
    const { privateKey } = await generateKeyPair('ES256');
    const forge = (kid: string) =>
      new SignJWT({ scope: 'orders:read', client_id: 'x' })
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid })
        .setIssuer(sso.issuer)
        .setAudience(ORDERS)
        .setSubject('x')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
    const before = recorder.count(jwksRequest);
    await expect(verifyAccessToken(verifier, await forge('rotated-1'))).rejects.toMatchObject({
      code: 'SSO_KEY_NOT_FOUND',
    });
    expect(recorder.count(jwksRequest)).toBe(before + 1);
    await Promise.all(
      ['rotated-2', 'rotated-3', 'rotated-4'].map(async (kid) =>
        expect(verifyAccessToken(verifier, await forge(kid))).rejects.toMatchObject({
          code: 'SSO_KEY_NOT_FOUND',
        }),
      ),
    );
    expect(recorder.count(jwksRequest)).toBe(before + 1);
    // Good tokens keep verifying from the cache.
    await verifyAccessToken(verifier, await ordersToken());
    expect(recorder.count(jwksRequest)).toBe(before + 1);
  });

  test('a token of the controlled issuer with good claims is accepted (the negative cases below differ in one claim)', async () => {
    const verified = await verifyAccessToken(
      fakeVerifier,
      await fake.sign(claims({ groups: ['ops'] })),
    );
    expect(verified.claims.sub).toBe('service-1');
    expect(() => requireGroups(verified, ['ops'])).not.toThrow();
    expect(() => requireGroups(verified, ['admins'])).toThrow(
      expect.objectContaining({ code: 'SSO_GROUP_REQUIRED', status: 403 }),
    );
  });

  test.each([
    ['expired', { exp: now() - 120, iat: now() - 420 }, 'SSO_TOKEN_EXPIRED'],
    ['not yet valid', { nbf: now() + 600 }, 'SSO_TOKEN_NOT_YET_VALID'],
    ['for another audience', { aud: BILLING }, 'SSO_AUDIENCE_MISMATCH'],
    ['from another issuer', { iss: 'https://evil.example.test' }, 'SSO_ISSUER_MISMATCH'],
    ['without exp', { exp: undefined }, 'SSO_TOKEN_MALFORMED'],
  ])('a token %s is refused', async (_name, overrides, code) => {
    await expect(
      verifyAccessToken(fakeVerifier, await fake.sign(claims(overrides))),
    ).rejects.toMatchObject({
      code,
    });
  });

  test('expiry tolerates a small clock skew (30 s by default), not more', async () => {
    const justExpired = await fake.sign(claims({ exp: now() - 10 }));
    await expect(verifyAccessToken(fakeVerifier, justExpired)).resolves.toBeDefined();
    expect(fakeVerifier.clockTolerance).toBeLessThanOrEqual(30);
    const strict = createVerifier(fakeVerifier.issuer, { audience: ORDERS, clockTolerance: 0 });
    await expect(verifyAccessToken(strict, justExpired)).rejects.toMatchObject({
      code: 'SSO_TOKEN_EXPIRED',
    });
  });

  test('a JWT that is not typed at+jwt (an ID token, say) is refused: SSO_TOKEN_TYPE_INVALID', async () => {
    for (const typ of ['JWT', undefined]) {
      await expect(
        verifyAccessToken(fakeVerifier, await fake.sign(claims(), { typ })),
      ).rejects.toMatchObject({ code: 'SSO_TOKEN_TYPE_INVALID' });
    }
    await expect(
      verifyAccessToken(fakeVerifier, await fake.sign(claims(), { typ: 'application/at+jwt' })),
    ).resolves.toBeDefined();
  });

  test('a missing scope is SSO_INSUFFICIENT_SCOPE naming what would do', async () => {
    await expect(
      verifyAccessToken(fakeVerifier, await fake.sign(claims()), { scopes: ['orders:write'] }),
    ).rejects.toMatchObject({
      code: 'SSO_INSUFFICIENT_SCOPE',
      status: 403,
      oauthError: 'insufficient_scope',
      scopes: ['orders:write'],
    });
  });

  test('garbage and opaque tokens are refused (opaque ones need introspection)', async () => {
    await expect(verifyAccessToken(verifier, 'a.b.c')).rejects.toMatchObject({
      code: 'SSO_TOKEN_MALFORMED',
    });
    await expect(verifyAccessToken(verifier, 'a.b.c.d.e')).rejects.toMatchObject({
      code: 'SSO_TOKEN_MALFORMED',
    });
    await expect(verifyAccessToken(verifier, 'opaque-token-value')).rejects.toMatchObject({
      code: 'SSO_OPAQUE_TOKEN_UNSUPPORTED',
    });
  });
});
