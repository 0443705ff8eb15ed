import { afterAll, beforeAll, expect, test } from '@jest/globals';
import * as oidc from 'openid-client';
import { authorizationRequest, codeFlow, discover, REDIRECT_URI } from '../support/flows.ts';
import { describeEachBackend, startTestSso, type TestSso } from '../support/sso.ts';
import { formTo, page, UserAgent } from '../support/user-agent.ts';

describeEachBackend('accounts: claims by scope, disabled accounts (%s store)', (backend) => {
  let sso: TestSso;
  let app: oidc.Configuration;
  let jane: { id: string; password: string };

  beforeAll(async () => {
    sso = await startTestSso({ backend });
    jane = await sso.user({
      username: 'jane',
      email: 'jane@example.com',
      emailVerified: true,
      name: 'Jane Roe',
      givenName: 'Jane',
      familyName: 'Roe',
      groups: ['ops'],
    });
    const client = await sso.client({
      type: 'confidential',
      name: 'Claims App',
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: [REDIRECT_URI],
      firstParty: true,
    });
    app = await discover(sso.issuer, client.clientId, client.secret);
  });
  afterAll(async () => {
    await sso.stop();
  });

  const browser = () => new UserAgent({ ssoOrigin: new URL(sso.issuer).origin });

  test('sub is an opaque stable id, not the username', async () => {
    const { tokens } = await codeFlow(
      app,
      browser(),
      { login: 'jane', password: jane.password },
      { scope: 'openid' },
    );
    expect(tokens.claims()!.sub).toBe(jane.id);
    expect(jane.id).not.toContain('jane');
    expect(jane.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  test.each([
    ['openid', []],
    ['openid email', ['email', 'email_verified']],
    ['openid profile', ['name', 'given_name', 'family_name', 'preferred_username', 'updated_at']],
    ['openid groups', ['groups']],
  ])('userinfo for "%s" releases exactly those claims', async (scope, claims) => {
    const { tokens } = await codeFlow(
      app,
      browser(),
      { login: 'jane', password: jane.password },
      { scope },
    );
    const userinfo = await oidc.fetchUserInfo(app, tokens.access_token, jane.id);
    expect(Object.keys(userinfo).sort()).toEqual(['sub', ...claims].sort());
  });

  test('signing in with the email address works, case-insensitively', async () => {
    const { tokens } = await codeFlow(
      app,
      browser(),
      { login: 'JANE@example.com', password: jane.password },
      { scope: 'openid' },
    );
    expect(tokens.claims()!.sub).toBe(jane.id);
  });

  test('disabling an account ends its sessions and tokens, and it can no longer sign in', async () => {
    const agent = browser();
    const { tokens } = await codeFlow(
      app,
      agent,
      { login: 'jane', password: jane.password },
      { scope: 'openid offline_access', prompt: 'consent' },
    );
    await sso.accounts.setDisabled('jane', true);

    expect((await oidc.tokenIntrospection(app, tokens.access_token)).active).toBe(false);
    await expect(oidc.refreshTokenGrant(app, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    // The browser session is gone: the login page comes back, and the right password is refused.
    const request = await authorizationRequest(app);
    const login = page(await agent.open(request.url.href));
    const refused = page(
      await agent.submit(formTo(login, '/login'), { login: 'jane', password: jane.password }),
    );
    expect(refused.html).toContain('Incorrect username or password.');

    await sso.accounts.setDisabled('jane', false);
    const { tokens: again } = await codeFlow(
      app,
      browser(),
      { login: 'jane', password: jane.password },
      { scope: 'openid' },
    );
    expect(again.claims()!.sub).toBe(jane.id);
  });
});
