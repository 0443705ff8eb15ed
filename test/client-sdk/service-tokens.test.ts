// Client-credentials tokens for service-to-service calls, against a real SSO: caching, renewal before
// expiry, one token request for many concurrent callers, and the fetch wrapper's single retry.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import express from 'express';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  authorizedFetch,
  clientCredentials,
  createClient,
  createVerifier,
  discoverIssuer,
  expressRequireToken,
  getToken,
  renewToken,
  type Client,
} from '../../client-sdk/node/src/index.ts';
import { startTestSso, type TestSso } from '../support/sso.ts';
import { listen, recordingFetch, tokenRequest, type Listening } from './support/http.ts';

const ORDERS = 'https://api.example.test/orders';
const QUICK = 'https://quick.example.test';

describe('service tokens (client credentials)', () => {
  let sso: TestSso;
  let client: Client;
  let api: Listening;
  const recorder = recordingFetch();
  const tokenRequests = () => recorder.count(tokenRequest('client_credentials'));
  const seenByApi: string[] = [];

  beforeAll(async () => {
    sso = await startTestSso();
    await sso.api({
      audience: ORDERS,
      scopes: ['orders:read', 'orders:write'],
      accessTokenTtl: 300,
    });
    await sso.api({ audience: QUICK, scopes: ['quick:read'], accessTokenTtl: 5 });
    const registered = await sso.client({
      type: 'confidential',
      name: 'Worker',
      grantTypes: ['client_credentials'],
      allowedApis: [ORDERS, QUICK],
    });
    const issuer = await discoverIssuer(sso.issuer, { allowHttp: true, fetch: recorder.fetch });
    client = createClient(issuer, {
      clientId: registered.clientId,
      clientSecret: registered.secret!,
    });

    // An API protected by the package; /flaky refuses the first token it ever sees.
    const verifier = createVerifier(issuer, { audience: ORDERS });
    api = await listen();
    const app = express();
    app.use((req, _res, next) => {
      seenByApi.push(req.headers.authorization ?? '');
      next();
    });
    app.get('/orders', expressRequireToken(verifier, { scopes: ['orders:read'] }), (_req, res) => {
      res.json({ ok: true });
    });
    let refusedOnce = false;
    app.get('/flaky', expressRequireToken(verifier), (_req, res) => {
      if (refusedOnce) return void res.json({ ok: true });
      refusedOnce = true;
      res.status(401).set('www-authenticate', 'Bearer error="invalid_token"').end();
    });
    app.get('/refuses', (_req, res) => {
      res.status(401).set('www-authenticate', 'Bearer error="invalid_token"').end();
    });
    api.handle(app);
  });
  afterAll(async () => {
    await api?.close();
    await sso?.stop();
  });

  test('50 concurrent callers share one token request, and the token is then cached', async () => {
    const orders = clientCredentials(client, { resource: ORDERS, scope: 'orders:read' });
    const before = tokenRequests();
    const tokens = await Promise.all(Array.from({ length: 50 }, () => getToken(orders)));
    expect(tokenRequests()).toBe(before + 1);
    expect(new Set(tokens.map((t) => t.accessToken)).size).toBe(1);
    expect(tokens[0]).toMatchObject({ tokenType: 'Bearer', scope: 'orders:read' });
    expect(tokens[0]!.expiresAt! - Date.now() / 1000).toBeGreaterThan(290);
    expect((await getToken(orders)).accessToken).toBe(tokens[0]!.accessToken);
    expect(tokenRequests()).toBe(before + 1);
    expect(Object.isFrozen(orders)).toBe(true);
  });

  test('renewing: concurrent renewals of one refused token make one request', async () => {
    const orders = clientCredentials(client, { resource: ORDERS, scope: 'orders:read' });
    const first = await getToken(orders);
    const before = tokenRequests();
    const renewed = await Promise.all(
      Array.from({ length: 20 }, () => renewToken(orders, first.accessToken)),
    );
    expect(tokenRequests()).toBe(before + 1);
    expect(new Set(renewed.map((t) => t.accessToken)).size).toBe(1);
    expect(renewed[0]!.accessToken).not.toBe(first.accessToken);
    // A caller late with the old token gets the new one, without another request.
    expect((await renewToken(orders, first.accessToken)).accessToken).toBe(renewed[0]!.accessToken);
    expect(tokenRequests()).toBe(before + 1);
  });

  test('a token is replaced before it expires (skew), once for 50 concurrent callers', async () => {
    const quick = clientCredentials(client, { resource: QUICK, skew: 3 });
    const first = await getToken(quick);
    expect(first.expiresAt! - Date.now() / 1000).toBeLessThanOrEqual(5);
    const before = tokenRequests();
    await sleep(2300);
    const next = await Promise.all(Array.from({ length: 50 }, () => getToken(quick)));
    expect(Date.now() / 1000).toBeLessThan(first.expiresAt!);
    expect(tokenRequests()).toBe(before + 1);
    expect(new Set(next.map((t) => t.accessToken)).size).toBe(1);
    expect(next[0]!.accessToken).not.toBe(first.accessToken);
  });

  test('a refused token request is an SsoError with the server error', async () => {
    const billing = clientCredentials(client, { resource: 'https://billing.example.test' });
    await expect(getToken(billing)).rejects.toMatchObject({
      name: 'SsoError',
      code: 'SSO_TOKEN_REQUEST_FAILED',
      serverError: 'invalid_target',
    });
    // A failure is not cached: the next call asks again.
    const before = tokenRequests();
    await expect(getToken(billing)).rejects.toMatchObject({ code: 'SSO_TOKEN_REQUEST_FAILED' });
    expect(tokenRequests()).toBe(before + 1);
  });

  test('authorizedFetch sends the token, and on a 401 renews it and retries once', async () => {
    const orders = clientCredentials(client, { resource: ORDERS, scope: 'orders:read' });
    const call = authorizedFetch(orders);
    const ok = await call(`${api.origin}/orders`);
    expect(ok.status).toBe(200);
    expect(seenByApi.at(-1)).toBe(`Bearer ${(await getToken(orders)).accessToken}`);

    const before = tokenRequests();
    seenByApi.length = 0;
    const flaky = await call(`${api.origin}/flaky`);
    expect(flaky.status).toBe(200);
    expect(seenByApi).toHaveLength(2);
    expect(seenByApi[0]).not.toBe(seenByApi[1]);
    expect(tokenRequests()).toBe(before + 1);

    seenByApi.length = 0;
    const refused = await call(`${api.origin}/refuses`, { method: 'GET' });
    expect(refused.status).toBe(401);
    expect(seenByApi).toHaveLength(2);
    expect(tokenRequests()).toBe(before + 2);
  });
});
