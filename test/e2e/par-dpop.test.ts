import { afterAll, beforeAll, expect, test } from '@jest/globals';
import * as oidc from 'openid-client';
import { discover, REDIRECT_URI, signIn } from '../support/flows.ts';
import { describeEachBackend, startTestSso, type TestSso } from '../support/sso.ts';
import { UserAgent } from '../support/user-agent.ts';

describeEachBackend('pushed authorization requests and DPoP (%s store)', (backend) => {
  let sso: TestSso;
  let app: oidc.Configuration;
  let credentials: { login: string; password: string };
  let hankId: string;

  beforeAll(async () => {
    sso = await startTestSso({ backend });
    const hank = await sso.user({ username: 'hank', email: 'hank@example.com' });
    hankId = hank.id;
    credentials = { login: 'hank', password: hank.password };
    const client = await sso.client({
      type: 'confidential',
      name: 'Strict App',
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: [REDIRECT_URI],
      firstParty: true,
    });
    app = await discover(sso.issuer, client.clientId, client.secret);
  });
  afterAll(async () => {
    await sso.stop();
  });

  test('discovery advertises PAR and DPoP', () => {
    const metadata = app.serverMetadata();
    expect(metadata.pushed_authorization_request_endpoint).toBe(`${sso.issuer}/request`);
    expect(metadata.dpop_signing_alg_values_supported).toEqual(expect.arrayContaining(['ES256']));
  });

  test('a pushed authorization request carries the parameters; the URL holds only request_uri', async () => {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = await oidc.buildAuthorizationUrlWithPAR(app, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid email',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });
    expect([...url.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
    const callback = await signIn(
      new UserAgent({ ssoOrigin: new URL(sso.issuer).origin }),
      url,
      credentials,
    );
    const tokens = await oidc.authorizationCodeGrant(app, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
    });
    expect(tokens.claims()!.sub).toBe(hankId);
  });

  test('DPoP binds the tokens to the key: userinfo needs the proof, refresh stays bound', async () => {
    const dpop = oidc.getDPoPHandle(app, await oidc.randomDPoPKeyPair('ES256'));
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(app, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid email',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: 'dpop',
    });
    const callback = await signIn(
      new UserAgent({ ssoOrigin: new URL(sso.issuer).origin }),
      url,
      credentials,
    );
    const tokens = await oidc.authorizationCodeGrant(
      app,
      callback,
      { pkceCodeVerifier: verifier, expectedState: 'dpop' },
      undefined,
      { DPoP: dpop },
    );
    expect(tokens.token_type).toBe('dpop');
    const userinfo = await oidc.fetchUserInfo(app, tokens.access_token, hankId, { DPoP: dpop });
    expect(userinfo.email).toBe('hank@example.com');
    // Without the proof the token is refused.
    const bare = await fetch(app.serverMetadata().userinfo_endpoint!, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(bare.status).toBe(401);
    const introspection = await oidc.tokenIntrospection(app, tokens.access_token);
    expect(introspection.cnf).toEqual({ jkt: expect.any(String) });
    const refreshed = await oidc.refreshTokenGrant(app, tokens.refresh_token!, undefined, {
      DPoP: dpop,
    });
    expect(refreshed.token_type).toBe('dpop');
  });
});
