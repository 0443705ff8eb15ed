import { afterAll, beforeAll, expect, test } from '@jest/globals';
import * as oidc from 'openid-client';
import { codeFlow, discover, REDIRECT_URI } from '../support/flows.ts';
import { describeEachBackend, startTestSso, type TestSso } from '../support/sso.ts';
import { UserAgent } from '../support/user-agent.ts';

describeEachBackend('authorization code flow with PKCE (openid-client) (%s store)', (backend) => {
  let sso: TestSso;
  let client: { clientId: string; secret: string | undefined };
  let alice: { id: string; username: string; password: string };

  beforeAll(async () => {
    sso = await startTestSso({ backend });
    alice = await sso.user({
      username: 'alice',
      email: 'Alice@Example.com',
      emailVerified: true,
      name: 'Alice Liddell',
      givenName: 'Alice',
      familyName: 'Liddell',
      groups: ['admins', 'staff'],
    });
    client = await sso.client({
      type: 'confidential',
      name: 'Web App',
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: [REDIRECT_URI],
    });
  });
  afterAll(async () => {
    await sso.stop();
  });

  test('discovery describes the issuer', async () => {
    const config = await discover(sso.issuer, client.clientId, client.secret);
    const metadata = config.serverMetadata();
    expect(metadata.issuer).toBe(sso.issuer);
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    expect(metadata.id_token_signing_alg_values_supported).toEqual(
      expect.arrayContaining(['ES256', 'RS256']),
    );
    expect(metadata.scopes_supported).toEqual(
      expect.arrayContaining(['openid', 'profile', 'email', 'groups']),
    );
  });

  test('sign in, ID token, userinfo by scope', async () => {
    const config = await discover(sso.issuer, client.clientId, client.secret);
    const agent = new UserAgent({ ssoOrigin: new URL(sso.issuer).origin });
    const { tokens } = await codeFlow(config, agent, {
      login: 'alice',
      password: alice.password,
    });
    const claims = tokens.claims()!;
    expect(claims.sub).toBe(alice.id);
    expect(claims.iss).toBe(sso.issuer);
    expect(claims.aud).toBe(client.clientId);
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, alice.id);
    expect(userinfo).toMatchObject({
      sub: alice.id,
      email: 'alice@example.com',
      email_verified: true,
      name: 'Alice Liddell',
      preferred_username: 'alice',
      groups: ['admins', 'staff'],
    });
  });
});
