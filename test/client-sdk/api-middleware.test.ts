// The API middleware for Koa and Express against real SSO tokens: 401 and 403 answers with RFC 6750
// `WWW-Authenticate` challenges, and DPoP-bound tokens (RFC 9449) accepted only with a valid proof.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, base64url } from 'jose';
import { createHash, randomUUID } from 'node:crypto';
import {
  authorizedFetch,
  clientCredentials,
  createClient,
  createVerifier,
  discoverIssuer,
  getToken,
  type Client,
  type DpopKeyPair,
  type TokenSource,
} from '../../client-sdk/node/src/index.ts';
import { startTestSso, type TestSso } from '../support/sso.ts';
import { apiApp, FRAMEWORKS } from './support/apps.ts';
import { listen, type Listening } from './support/http.ts';

const ORDERS = 'https://api.example.test/orders';
const BILLING = 'https://billing.example.test';
const REALM = 'orders';

describe.each(FRAMEWORKS)('API middleware for %s', (framework) => {
  let sso: TestSso;
  let client: Client;
  let api: Listening;
  let dpopKeys: DpopKeyPair;
  let dpopSource: TokenSource;

  beforeAll(async () => {
    sso = await startTestSso();
    await sso.api({ audience: ORDERS, scopes: ['orders:read', 'orders:write'] });
    await sso.api({ audience: BILLING, scopes: ['billing:read'] });
    const registered = await sso.client({
      type: 'confidential',
      grantTypes: ['client_credentials'],
      allowedApis: [ORDERS, BILLING],
    });
    const issuer = await discoverIssuer(sso.issuer, { allowHttp: true });
    client = createClient(issuer, {
      clientId: registered.clientId,
      clientSecret: registered.secret!,
    });
    api = await listen();
    api.handle(apiApp(framework, createVerifier(issuer, { audience: ORDERS, realm: REALM })));
    dpopKeys = await generateKeyPair('ES256');
    dpopSource = clientCredentials(client, {
      resource: ORDERS,
      scope: 'orders:read',
      dpop: dpopKeys,
    });
  });
  afterAll(async () => {
    await api?.close();
    await sso?.stop();
  });

  const token = async (resource: string, scope?: string) =>
    (await getToken(clientCredentials(client, { resource, ...(scope ? { scope } : {}) })))
      .accessToken;
  const call = (headers: Record<string, string> = {}, method = 'GET') =>
    fetch(`${api.origin}/orders`, { method, headers });
  const challenge = (response: Response) => response.headers.get('www-authenticate');

  test('a valid token with the scope gets through, with its claims', async () => {
    const response = await call({ authorization: `Bearer ${await token(ORDERS, 'orders:read')}` });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      sub: expect.any(String),
      scopes: ['orders:read'],
      via: 'jwt',
      dpop: false,
    });
  });

  test('no token: 401 with a bare challenge (no error code)', async () => {
    const cases: Record<string, string>[] = [{}, { authorization: 'Basic dXNlcjpwYXNz' }];
    for (const headers of cases) {
      const response = await call(headers);
      expect(response.status).toBe(401);
      expect(challenge(response)).toBe(`Bearer realm="${REALM}"`);
      expect(await response.json()).toMatchObject({ code: 'SSO_TOKEN_MISSING' });
    }
  });

  test('a bad token: 401 invalid_token with a description', async () => {
    const cases: [string, string][] = [
      ['x.y.z', 'SSO_TOKEN_MALFORMED'],
      [await token(BILLING), 'SSO_AUDIENCE_MISMATCH'],
    ];
    for (const [value, code] of cases) {
      const response = await call({ authorization: `Bearer ${value}` });
      expect(response.status).toBe(401);
      expect(challenge(response)).toMatch(
        new RegExp(`^Bearer realm="${REALM}", error="invalid_token", error_description="[^"]+"$`),
      );
      expect(await response.json()).toMatchObject({ error: 'invalid_token', code });
    }
  });

  test('a malformed Authorization header: 400 invalid_request', async () => {
    const response = await call({ authorization: 'Bearer two tokens' });
    expect(response.status).toBe(400);
    expect(challenge(response)).toMatch(/^Bearer realm="orders", error="invalid_request"/);
  });

  test('a token without the scope: 403 insufficient_scope naming the scope', async () => {
    const response = await call(
      { authorization: `Bearer ${await token(ORDERS, 'orders:read')}` },
      'POST',
    );
    expect(response.status).toBe(403);
    expect(challenge(response)).toMatch(
      /^Bearer realm="orders", error="insufficient_scope", error_description="[^"]+", scope="orders:write"$/,
    );
    expect(await response.json()).toMatchObject({
      error: 'insufficient_scope',
      code: 'SSO_INSUFFICIENT_SCOPE',
    });
  });

  describe('DPoP-bound tokens', () => {
    const url = () => `${api.origin}/orders`;
    const ath = (accessToken: string) =>
      base64url.encode(createHash('sha256').update(accessToken).digest());
    const proof = async (
      accessToken: string,
      overrides: {
        keys?: DpopKeyPair;
        htm?: string;
        htu?: string;
        iat?: number;
        ath?: string;
        typ?: string;
      } = {},
    ) => {
      const keys = overrides.keys ?? dpopKeys;
      return new SignJWT({
        htm: overrides.htm ?? 'GET',
        htu: overrides.htu ?? url(),
        iat: overrides.iat ?? Math.floor(Date.now() / 1000),
        jti: randomUUID(),
        ath: overrides.ath ?? ath(accessToken),
      })
        .setProtectedHeader({
          alg: 'ES256',
          typ: overrides.typ ?? 'dpop+jwt',
          jwk: await exportJWK(keys.publicKey),
        })
        .sign(keys.privateKey);
    };

    test('SSO binds the token to the key (cnf.jkt) and it is accepted with a valid proof', async () => {
      const bound = await getToken(dpopSource);
      expect(bound.tokenType).toBe('DPoP');
      const response = await call({
        authorization: `DPoP ${bound.accessToken}`,
        dpop: await proof(bound.accessToken),
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ dpop: true, via: 'jwt' });
      // The package's own fetch sends proofs too.
      const viaPackage = await authorizedFetch(dpopSource)(url());
      expect(viaPackage.status).toBe(200);
      expect(await viaPackage.json()).toMatchObject({ dpop: true });
    });

    test('presented as a bearer token, it is refused', async () => {
      const { accessToken } = await getToken(dpopSource);
      const response = await call({ authorization: `Bearer ${accessToken}` });
      expect(response.status).toBe(401);
      expect(challenge(response)).toMatch(
        /^DPoP realm="orders", error="invalid_token", .*algs="[^"]*ES256/,
      );
      expect(await response.json()).toMatchObject({ code: 'SSO_DPOP_REQUIRED' });
    });

    test('without a proof, or with a wrong one, it is refused', async () => {
      const { accessToken } = await getToken(dpopSource);
      const other = await generateKeyPair('ES256');
      const stale = Math.floor(Date.now() / 1000) - 600;
      const cases: [string, Record<string, string>, string][] = [
        ['no proof', {}, 'SSO_DPOP_PROOF_INVALID'],
        [
          'another key',
          { dpop: await proof(accessToken, { keys: other }) },
          'SSO_DPOP_KEY_MISMATCH',
        ],
        [
          'another method',
          { dpop: await proof(accessToken, { htm: 'POST' }) },
          'SSO_DPOP_PROOF_INVALID',
        ],
        [
          'another URL',
          { dpop: await proof(accessToken, { htu: `${api.origin}/other` }) },
          'SSO_DPOP_PROOF_INVALID',
        ],
        [
          'a stale proof',
          { dpop: await proof(accessToken, { iat: stale }) },
          'SSO_DPOP_PROOF_INVALID',
        ],
        [
          'another token',
          { dpop: await proof(accessToken, { ath: ath('other') }) },
          'SSO_DPOP_PROOF_INVALID',
        ],
        [
          'not a proof',
          { dpop: await proof(accessToken, { typ: 'JWT' }) },
          'SSO_DPOP_PROOF_INVALID',
        ],
      ];
      for (const [name, headers, code] of cases) {
        const response = await call({ authorization: `DPoP ${accessToken}`, ...headers });
        expect([name, response.status]).toEqual([name, 401]);
        expect([name, challenge(response)]).toEqual([
          name,
          expect.stringMatching(/^DPoP realm="orders", error="invalid_(dpop_proof|token)"/),
        ]);
        expect([name, ((await response.json()) as { code: string }).code]).toEqual([name, code]);
      }
      expect(await calculateJwkThumbprint(await exportJWK(other.publicKey))).not.toBe(
        await calculateJwkThumbprint(await exportJWK(dpopKeys.publicKey)),
      );
    });

    test('a proof is good once: a replay is refused', async () => {
      const { accessToken } = await getToken(dpopSource);
      const headers = { authorization: `DPoP ${accessToken}`, dpop: await proof(accessToken) };
      expect((await call(headers)).status).toBe(200);
      const replay = await call(headers);
      expect(replay.status).toBe(401);
      expect(await replay.json()).toMatchObject({
        code: 'SSO_DPOP_PROOF_REPLAYED',
        error: 'invalid_dpop_proof',
      });
    });

    test('a bearer token presented with the DPoP scheme is refused', async () => {
      const plain = await token(ORDERS, 'orders:read');
      const response = await call({ authorization: `DPoP ${plain}`, dpop: await proof(plain) });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ code: 'SSO_DPOP_NOT_BOUND' });
    });
  });
});
