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
} from '../../client-sdk/src/index.ts';
import { codeFlow, discover, REDIRECT_URI } from '../support/flows.ts';
import { startTestSso, type TestSso } from '../support/sso.ts';
import { UserAgent } from '../support/user-agent.ts';

const ORDERS = 'https://api.example.test/orders';

describe('introspection', () => {
  let sso: TestSso;
  let issuer: Issuer;
  let worker: Client;
  let ordersApi: Client;

  beforeAll(async () => {
    sso = await startTestSso();
    await sso.api({ audience: ORDERS, scopes: ['orders:read'] });
    issuer = await discoverIssuer(sso.issuer, { allowHttp: true });
    const plain = await sso.client({ type: 'confidential', grantTypes: ['client_credentials'] });
    worker = createClient(issuer, { clientId: plain.clientId, clientSecret: plain.secret! });
    const api = await sso.client({
      type: 'confidential',
      grantTypes: ['client_credentials'],
      authMethod: 'client_secret_post',
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

  const opaqueToken = async () => (await getToken(clientCredentials(worker))).accessToken;

  test('an opaque token introspects as active with its client; garbage as inactive', async () => {
    const token = await opaqueToken();
    expect(token.split('.')).toHaveLength(1);
    expect(await introspect(ordersApi, token)).toMatchObject({
      active: true,
      client_id: worker.clientId,
      iss: sso.issuer,
      token_type: 'Bearer',
    });
    expect(await introspect(ordersApi, 'not-a-token')).toEqual({ active: false });
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
    // SSO's opaque tokens name no audience: not meant for this API, unless accepted explicitly.
    const strict = createVerifier(issuer, {
      audience: ORDERS,
      introspection: { client: ordersApi },
    });
    await expect(verifyAccessToken(strict, token)).rejects.toMatchObject({
      code: 'SSO_AUDIENCE_MISMATCH',
    });
    const lenient = createVerifier(issuer, {
      audience: ORDERS,
      introspection: { client: ordersApi, missingAudience: 'accept' },
    });
    expect(await verifyAccessToken(lenient, token)).toMatchObject({
      via: 'introspection',
      claims: { client_id: worker.clientId },
    });
    await expect(verifyAccessToken(lenient, 'revoked-or-unknown')).rejects.toMatchObject({
      code: 'SSO_TOKEN_INACTIVE',
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
    const lenient = createVerifier(issuer, {
      audience: ORDERS,
      introspection: { client: ordersApi, missingAudience: 'accept' },
    });
    expect((await introspect(ordersApi, tokens.refresh_token!)).active).toBe(true);
    await expect(verifyAccessToken(lenient, tokens.refresh_token!)).rejects.toMatchObject({
      code: 'SSO_TOKEN_TYPE_INVALID',
    });
  });
});
