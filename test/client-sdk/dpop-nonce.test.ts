// DPoP server nonces (RFC 9449 §9) in @sso/client's authorizedFetch, against an API that requires
// them: a real HTTP server that answers a proof without its current nonce with 401
// `WWW-Authenticate: DPoP error="use_dpop_nonce"` and a `DPoP-Nonce` header, as the RFC says, and
// otherwise verifies the request with the package's own verifyRequest against a real SSO. The
// tokens are real DPoP-bound client-credentials tokens from SSO.
//
// SSO's own endpoints do not require nonces (oidc-provider's dPoP.nonceSecret is not configured:
// its proofs are bound by jti replay detection and a short iat window instead), so the nonce retry
// of token requests, which openid-client does the same way, cannot be exercised against SSO; this
// suite checks the resource-server side, where the package itself handles the retry.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { decodeJwt, generateKeyPair } from 'jose';
import {
  authorizedFetch,
  clientCredentials,
  createClient,
  createVerifier,
  discoverIssuer,
  getToken,
  isSsoError,
  verifyRequest,
  type TokenSource,
} from '../../client-sdk/node/src/index.ts';
import { listen, type Listening } from './support/http.ts';
import { startTestSso, type TestSso } from '../support/sso.ts';

const ORDERS = 'https://api.example.test/orders';

describe('authorizedFetch and an API that requires DPoP nonces', () => {
  let sso: TestSso;
  let api: Listening;
  let source: TokenSource;
  let nonce = 'nonce-1';
  /** What the API saw: the nonce each proof carried, and its answer. */
  const seen: { nonce: unknown; status: number }[] = [];

  beforeAll(async () => {
    sso = await startTestSso();
    await sso.api({ audience: ORDERS, scopes: ['orders:read'] });
    const registered = await sso.client({
      type: 'confidential',
      grantTypes: ['client_credentials'],
      allowedApis: [ORDERS],
    });
    const issuer = await discoverIssuer(sso.issuer, { allowHttp: true });
    const client = createClient(issuer, {
      clientId: registered.clientId,
      clientSecret: registered.secret!,
    });
    source = clientCredentials(client, { resource: ORDERS, dpop: await generateKeyPair('ES256') });
    const verifier = createVerifier(issuer, { audience: ORDERS });
    api = await listen();
    api.handle((req, res) => {
      const proof = req.headers.dpop;
      const sent = typeof proof === 'string' ? decodeJwt(proof).nonce : undefined;
      const answer = (status: number, headers: Record<string, string>, body: unknown) => {
        seen.push({ nonce: sent, status });
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      if (sent !== nonce) {
        answer(
          401,
          {
            'www-authenticate': 'DPoP error="use_dpop_nonce", error_description="nonce required"',
            'dpop-nonce': nonce,
          },
          { error: 'use_dpop_nonce' },
        );
        return;
      }
      verifyRequest(verifier, {
        method: req.method!,
        url: `${api.origin}${req.url}`,
        headers: req.headers,
      }).then(
        (verified) => answer(200, {}, { sub: verified.claims.sub, dpop: verified.dpop }),
        (error: unknown) =>
          answer(isSsoError(error) ? error.status : 500, {}, { code: (error as Error).message }),
      );
    });
  });
  afterAll(async () => {
    await api?.close();
    await sso?.stop();
  });

  test('the refused request is sent again once with the nonce, and later proofs carry it', async () => {
    const token = await getToken(source);
    expect(token.tokenType).toBe('DPoP');
    const call = authorizedFetch(source);

    const first = await call(`${api.origin}/orders`);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ sub: expect.any(String), dpop: true });
    expect(seen).toEqual([
      { nonce: undefined, status: 401 },
      { nonce: 'nonce-1', status: 200 },
    ]);

    seen.length = 0;
    expect((await call(`${api.origin}/orders?page=2`)).status).toBe(200);
    expect(seen).toEqual([{ nonce: 'nonce-1', status: 200 }]);

    // The API moves to a new nonce: one refusal, one retry with the new one.
    nonce = 'nonce-2';
    seen.length = 0;
    expect((await call(`${api.origin}/orders`)).status).toBe(200);
    expect(seen).toEqual([
      { nonce: 'nonce-1', status: 401 },
      { nonce: 'nonce-2', status: 200 },
    ]);
    // The token was never renewed for a nonce: it is the same one.
    expect((await getToken(source)).accessToken).toBe(token.accessToken);
  });
});
