// Introspection of opaque tokens against a real SSO, and the verifier's opt-in fallback to it.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  clientCredentials,
  createClient,
  createVerifier,
  discoverIssuer,
  getToken,
  introspect,
  verifyAccessToken,
  type Client,
  type Issuer,
} from '../../client-sdk/node/src/index.ts';
import Router from '@koa/router';
import Koa from 'koa';
import { koaRequireToken } from '../../client-sdk/node/src/index.ts';
import { codeFlow, discover, REDIRECT_URI } from '../support/flows.ts';
import { listen } from './support/http.ts';
import { startTestSso, type TestSso } from '../support/sso.ts';
import { UserAgent } from '../support/user-agent.ts';

// An API registered for opaque tokens (its tokens are introspected, not verified locally), and
// another one.
const ORDERS = 'https://api.example.test/orders';
const BILLING = 'https://api.example.test/billing';

describe('introspection', () => {
  let sso: TestSso;
  let issuer: Issuer;
  let worker: Client;
  let plainWorker: Client;
  let ordersApi: Client;

  beforeAll(async () => {
    sso = await startTestSso();
    await sso.api({ audience: ORDERS, scopes: ['orders:read'], tokenFormat: 'opaque' });
    await sso.api({ audience: BILLING, scopes: ['billing:read'], tokenFormat: 'opaque' });
    issuer = await discoverIssuer(sso.issuer, { allowHttp: true });
    const caller = await sso.client({
      type: 'confidential',
      grantTypes: ['client_credentials'],
      allowedApis: [ORDERS, BILLING],
    });
    worker = createClient(issuer, { clientId: caller.clientId, clientSecret: caller.secret! });
    const plain = await sso.client({ type: 'confidential', grantTypes: ['client_credentials'] });
    plainWorker = createClient(issuer, { clientId: plain.clientId, clientSecret: plain.secret! });
    // The orders API's own client: the resource server of ORDERS, so it may introspect its tokens.
    const api = await sso.client({
      type: 'confidential',
      grantTypes: ['client_credentials'],
      authMethod: 'client_secret_post',
      resourceServerFor: [ORDERS],
    });
    ordersApi = createClient(issuer, {
      clientId: api.clientId,
      clientSecret: api.secret!,
      authMethod: 'client_secret_post',
    });
  });
  afterAll(async () => {
    await sso?.stop();
  });

  const tokenFor = async (resource: string) => {
    const scope = resource === ORDERS ? 'orders:read' : 'billing:read';
    return (await getToken(clientCredentials(worker, { resource, scope }))).accessToken;
  };
  const opaqueToken = () => tokenFor(ORDERS);

  test('an opaque token introspects as active for its API; garbage, other APIs and tokens without audience as inactive', async () => {
    const token = await opaqueToken();
    expect(token.split('.')).toHaveLength(1);
    expect(await introspect(ordersApi, token)).toMatchObject({
      active: true,
      client_id: worker.clientId,
      aud: ORDERS,
      scope: 'orders:read',
      iss: sso.issuer,
      token_type: 'Bearer',
    });
    expect(await introspect(ordersApi, 'not-a-token')).toEqual({ active: false });
    expect(await introspect(ordersApi, await tokenFor(BILLING))).toEqual({ active: false });
    const noAudience = (await getToken(clientCredentials(plainWorker))).accessToken;
    expect(await introspect(ordersApi, noAudience)).toEqual({ active: false });
    expect(await introspect(plainWorker, noAudience)).toMatchObject({ active: true });
  });

  test('bad client credentials are SSO_INTROSPECTION_FAILED with the server error', async () => {
    const wrong = createClient(issuer, { clientId: ordersApi.clientId, clientSecret: 'wrong' });
    await expect(introspect(wrong, await opaqueToken())).rejects.toMatchObject({
      code: 'SSO_INTROSPECTION_FAILED',
      serverError: 'invalid_client',
    });
  });

  test('the verifier falls back to introspection only when configured, and checks the audience', async () => {
    const token = await opaqueToken();
    const local = createVerifier(issuer, { audience: ORDERS });
    await expect(verifyAccessToken(local, token)).rejects.toMatchObject({
      code: 'SSO_OPAQUE_TOKEN_UNSUPPORTED',
    });
    const byIntrospection = createVerifier(issuer, {
      audience: ORDERS,
      introspection: { client: ordersApi },
    });
    expect(await verifyAccessToken(byIntrospection, token)).toMatchObject({
      via: 'introspection',
      claims: { client_id: worker.clientId, aud: ORDERS },
    });
    await expect(verifyAccessToken(byIntrospection, 'revoked-or-unknown')).rejects.toMatchObject({
      code: 'SSO_TOKEN_INACTIVE',
    });
    // A token without an audience is not meant for an API, unless accepted explicitly; only its
    // own client may introspect it.
    const noAudience = (await getToken(clientCredentials(plainWorker))).accessToken;
    const strict = createVerifier(issuer, {
      audience: ORDERS,
      introspection: { client: plainWorker },
    });
    await expect(verifyAccessToken(strict, noAudience)).rejects.toMatchObject({
      code: 'SSO_AUDIENCE_MISMATCH',
    });
    const lenient = createVerifier(issuer, {
      audience: ORDERS,
      introspection: { client: plainWorker, missingAudience: 'accept' },
    });
    expect(await verifyAccessToken(lenient, noAudience)).toMatchObject({
      via: 'introspection',
      claims: { client_id: plainWorker.clientId },
    });
  });

  test('a refresh token is not an access token, even though it introspects as active', async () => {
    const user = await sso.user({ username: 'rita' });
    const web = await sso.client({
      type: 'confidential',
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: [REDIRECT_URI],
      firstParty: true,
    });
    const config = await discover(sso.issuer, web.clientId, web.secret);
    const agent = new UserAgent({ ssoOrigin: new URL(sso.issuer).origin });
    const { tokens } = await codeFlow(config, agent, { login: 'rita', password: user.password });
    const webClient = createClient(issuer, { clientId: web.clientId, clientSecret: web.secret! });
    const lenient = createVerifier(issuer, {
      audience: ORDERS,
      introspection: { client: webClient, missingAudience: 'accept' },
    });
    expect((await introspect(webClient, tokens.refresh_token!)).active).toBe(true);
    await expect(verifyAccessToken(lenient, tokens.refresh_token!)).rejects.toMatchObject({
      code: 'SSO_TOKEN_TYPE_INVALID',
    });
  });

  test("a route that confirms by introspection refuses a disabled user's JWT within a second; a local route until it expires", async () => {
    const JWT_API = 'https://api.example.test/payments';
    await sso.api({ audience: JWT_API, scopes: ['payments:write'] });
    const server = await sso.client({
      type: 'confidential',
      grantTypes: ['client_credentials'],
      resourceServerFor: [JWT_API],
    });
    const paymentsApi = createClient(issuer, {
      clientId: server.clientId,
      clientSecret: server.secret!,
    });
    const verifier = createVerifier(issuer, {
      audience: JWT_API,
      introspection: { client: paymentsApi },
    });
    const app = new Koa();
    const router = new Router();
    router.get('/payments', koaRequireToken(verifier, { scopes: ['payments:write'] }), (ctx) => {
      ctx.body = 'listed';
    });
    router.post(
      '/payments',
      koaRequireToken(verifier, { scopes: ['payments:write'], confirm: 'introspection' }),
      (ctx) => {
        ctx.body = 'paid';
      },
    );
    app.use(router.routes());
    const api = await listen();
    const handle = app.callback();
    api.handle((req, res) => void handle(req, res));
    try {
      const user = await sso.user({ username: 'vera' });
      const web = await sso.client({
        type: 'confidential',
        grantTypes: ['authorization_code'],
        redirectUris: [REDIRECT_URI],
        allowedApis: [JWT_API],
        firstParty: true,
      });
      const config = await discover(sso.issuer, web.clientId, web.secret);
      const { tokens } = await codeFlow(
        config,
        new UserAgent({ ssoOrigin: new URL(sso.issuer).origin }),
        { login: 'vera', password: user.password },
        { resource: JWT_API, scope: 'openid payments:write' },
      );
      const call = (method: string) =>
        fetch(`${api.origin}/payments`, {
          method,
          headers: { authorization: `Bearer ${tokens.access_token}` },
        });
      expect((await call('GET')).status).toBe(200);
      expect((await call('POST')).status).toBe(200);

      await sso.accounts.setDisabled('vera', true);
      const disabledAt = Date.now();
      const refused = await call('POST');
      expect(Date.now() - disabledAt).toBeLessThan(1000);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toContain('error="invalid_token"');
      // The route that verifies locally accepts it until it expires (5 minutes by default).
      expect((await call('GET')).status).toBe(200);
    } finally {
      await api.close();
    }
  });
});
