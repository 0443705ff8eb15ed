import { afterAll, beforeAll, expect, test } from '@jest/globals';
import * as oidc from 'openid-client';
import { authorizationRequest, discover, REDIRECT_URI, signIn } from '../support/flows.ts';
import { describeEachBackend, startTestSso, type TestSso } from '../support/sso.ts';
import { UserAgent } from '../support/user-agent.ts';

describeEachBackend('authorization code replay (%s store)', (backend) => {
  let sso: TestSso;
  let app: oidc.Configuration;
  let credentials: { login: string; password: string };

  beforeAll(async () => {
    sso = await startTestSso({ backend });
    const dave = await sso.user({ username: 'dave' });
    credentials = { login: 'dave', password: dave.password };
    const client = await sso.client({
      type: 'confidential',
      name: 'Replay Target',
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: [REDIRECT_URI],
      firstParty: true,
    });
    app = await discover(sso.issuer, client.clientId, client.secret);
  });
  afterAll(async () => {
    await sso.stop();
  });

  const authorize = async () => {
    const request = await authorizationRequest(app, {
      scope: 'openid offline_access',
      prompt: 'consent',
    });
    const agent = new UserAgent({ ssoOrigin: new URL(sso.issuer).origin });
    return { request, callback: await signIn(agent, request.url, credentials) };
  };
  const redeem = ({ request, callback }: Awaited<ReturnType<typeof authorize>>) =>
    oidc.authorizationCodeGrant(app, callback, {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    });

  test('a second redemption fails and revokes the tokens of the first', async () => {
    const authorization = await authorize();
    const tokens = await redeem(authorization);
    expect((await oidc.tokenIntrospection(app, tokens.access_token)).active).toBe(true);
    await expect(redeem(authorization)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await oidc.tokenIntrospection(app, tokens.access_token)).active).toBe(false);
    await expect(oidc.refreshTokenGrant(app, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  test('of concurrent redemptions exactly one gets tokens, and those end up revoked', async () => {
    const authorization = await authorize();
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => redeem(authorization)),
    );
    const won = results.filter((result) => result.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const result of results) {
      if (result.status === 'rejected')
        expect(result.reason).toMatchObject({ error: 'invalid_grant' });
    }
    for (const result of won) {
      expect((await oidc.tokenIntrospection(app, result.value.access_token)).active).toBe(false);
      await expect(oidc.refreshTokenGrant(app, result.value.refresh_token!)).rejects.toMatchObject({
        error: 'invalid_grant',
      });
    }
  });
});
