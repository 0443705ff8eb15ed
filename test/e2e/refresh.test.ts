import { afterAll, afterEach, beforeAll, expect, test } from '@jest/globals';
import * as oidc from 'openid-client';
import { codeFlow, discover, REDIRECT_URI } from '../support/flows.ts';
import { describeEachBackend, startTestSso, type TestSso } from '../support/sso.ts';
import { UserAgent } from '../support/user-agent.ts';

const GRACE_SECONDS = 10;

describeEachBackend(
  'refresh tokens: rotation, concurrent grace window, reuse detection (%s store)',
  (backend) => {
    let sso: TestSso;
    let config: oidc.Configuration;
    let credentials: { login: string; password: string };
    // Seconds by which the test has moved SSO's clock forward (instead of sleeping through the window).
    let later = 0;

    beforeAll(async () => {
      sso = await startTestSso({
        backend,
        env: { SSO_REFRESH_TOKEN_GRACE: `${GRACE_SECONDS}s` },
        clock: () => Date.now() + later * 1000,
      });
      const bob = await sso.user({ username: 'bob', email: 'bob@example.com' });
      credentials = { login: 'bob', password: bob.password };
      const client = await sso.client({
        type: 'confidential',
        name: 'Refreshing App',
        grantTypes: ['authorization_code', 'refresh_token'],
        redirectUris: [REDIRECT_URI],
      });
      config = await discover(sso.issuer, client.clientId, client.secret);
    });
    afterAll(async () => {
      await sso.stop();
    });
    afterEach(() => {
      later = 0;
    });

    const signIn = async () => {
      const agent = new UserAgent({ ssoOrigin: new URL(sso.issuer).origin });
      return (
        await codeFlow(config, agent, credentials, {
          scope: 'openid offline_access',
          prompt: 'consent',
        })
      ).tokens;
    };

    const active = async (token: string) => (await oidc.tokenIntrospection(config, token)).active;

    test('a refresh rotates the refresh token and the old one is then spent', async () => {
      const first = await signIn();
      expect(first.refresh_token).toBeDefined();
      const second = await oidc.refreshTokenGrant(config, first.refresh_token!);
      expect(second.refresh_token).toBeDefined();
      expect(second.refresh_token).not.toBe(first.refresh_token);
      expect(second.access_token).not.toBe(first.access_token);
      expect(await active(second.access_token)).toBe(true);
      const third = await oidc.refreshTokenGrant(config, second.refresh_token!);
      expect(await active(third.access_token)).toBe(true);
    });

    test('two concurrent refreshes with one token both succeed and the grant survives', async () => {
      const first = await signIn();
      const [a, b] = await Promise.all([
        oidc.refreshTokenGrant(config, first.refresh_token!),
        oidc.refreshTokenGrant(config, first.refresh_token!),
      ]);
      expect(a.access_token).not.toBe(b.access_token);
      // The same token again late in the grace window (a slow concurrent request). The store keeps
      // the consume time in whole seconds and the requests take time under load, so the test stays
      // a few seconds clear of the window's end.
      later = GRACE_SECONDS - 4;
      const c = await oidc.refreshTokenGrant(config, first.refresh_token!);
      for (const tokens of [a, b, c]) expect(await active(tokens.access_token)).toBe(true);
      const next = await oidc.refreshTokenGrant(config, a.refresh_token!);
      expect(await active(next.access_token)).toBe(true);
    });

    test('reuse after the grace window revokes the whole grant', async () => {
      const first = await signIn();
      const rotated = await oidc.refreshTokenGrant(config, first.refresh_token!);
      later = GRACE_SECONDS + 1;
      await expect(oidc.refreshTokenGrant(config, first.refresh_token!)).rejects.toMatchObject({
        error: 'invalid_grant',
      });
      expect(await active(rotated.access_token)).toBe(false);
      expect(await active(first.access_token)).toBe(false);
      await expect(oidc.refreshTokenGrant(config, rotated.refresh_token!)).rejects.toMatchObject({
        error: 'invalid_grant',
      });
    });
  },
);
