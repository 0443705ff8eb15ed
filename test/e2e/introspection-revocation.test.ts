import { afterAll, beforeAll, expect, test } from '@jest/globals';
import * as oidc from 'openid-client';
import { codeFlow, discover, REDIRECT_URI } from '../support/flows.ts';
import { describeEachBackend, startTestSso, type TestSso } from '../support/sso.ts';
import { UserAgent } from '../support/user-agent.ts';

describeEachBackend('token introspection and revocation (%s store)', (backend) => {
  let sso: TestSso;
  let app: oidc.Configuration;
  let otherApp: oidc.Configuration;
  let credentials: { login: string; password: string };
  let carolId: string;

  beforeAll(async () => {
    sso = await startTestSso({ backend });
    const carol = await sso.user({ username: 'carol', email: 'carol@example.com' });
    carolId = carol.id;
    credentials = { login: 'carol', password: carol.password };
    const web = await sso.client({
      type: 'confidential',
      name: 'Web',
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: [REDIRECT_URI],
      firstParty: true,
    });
    app = await discover(sso.issuer, web.clientId, web.secret);
    const other = await sso.client({
      type: 'confidential',
      name: 'Other',
      grantTypes: ['client_credentials'],
    });
    otherApp = await discover(sso.issuer, other.clientId, other.secret);
  });
  afterAll(async () => {
    await sso.stop();
  });

  const signIn = async () => {
    const agent = new UserAgent({ ssoOrigin: new URL(sso.issuer).origin });
    return (
      await codeFlow(app, agent, credentials, {
        scope: 'openid profile offline_access',
        prompt: 'consent',
      })
    ).tokens;
  };

  test('an active access token introspects with its subject, client and scope', async () => {
    const tokens = await signIn();
    const result = await oidc.tokenIntrospection(app, tokens.access_token);
    expect(result).toMatchObject({
      active: true,
      sub: carolId,
      client_id: app.clientMetadata().client_id,
      iss: sso.issuer,
      token_type: 'Bearer',
    });
    expect(String(result.scope).split(' ')).toEqual(expect.arrayContaining(['openid', 'profile']));
    const refresh = await oidc.tokenIntrospection(app, tokens.refresh_token!);
    expect(refresh).toMatchObject({ active: true, sub: carolId });
  });

  test('unknown and malformed tokens introspect as inactive', async () => {
    expect(await oidc.tokenIntrospection(app, 'not-a-real-token')).toEqual({ active: false });
    expect(await oidc.tokenIntrospection(app, 'a'.repeat(400))).toEqual({ active: false });
  });

  test('another client, not a resource server of the token, learns nothing about it', async () => {
    const tokens = await signIn();
    expect(await oidc.tokenIntrospection(app, tokens.access_token)).toMatchObject({ active: true });
    expect(await oidc.tokenIntrospection(otherApp, tokens.access_token)).toEqual({
      active: false,
    });
    expect(await oidc.tokenIntrospection(otherApp, tokens.refresh_token!)).toEqual({
      active: false,
    });
  });

  test('a revoked access token is inactive at introspection and refused at userinfo', async () => {
    const tokens = await signIn();
    await oidc.tokenRevocation(app, tokens.access_token);
    expect((await oidc.tokenIntrospection(app, tokens.access_token)).active).toBe(false);
    await expect(oidc.fetchUserInfo(app, tokens.access_token, carolId)).rejects.toMatchObject({
      status: 401,
    });
  });

  test('revoking a refresh token ends the grant: its refresh fails', async () => {
    const tokens = await signIn();
    await oidc.tokenRevocation(app, tokens.refresh_token!);
    expect((await oidc.tokenIntrospection(app, tokens.refresh_token!)).active).toBe(false);
    await expect(oidc.refreshTokenGrant(app, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    expect((await oidc.tokenIntrospection(app, tokens.access_token)).active).toBe(false);
  });

  test("a client cannot revoke another client's token", async () => {
    const tokens = await signIn();
    await oidc.tokenRevocation(otherApp, tokens.access_token);
    expect((await oidc.tokenIntrospection(app, tokens.access_token)).active).toBe(true);
  });
});
