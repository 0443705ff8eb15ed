// Fifty requests at once with one code, and with one refresh token, as a replaying attacker or a
// client with a race would send them. Outcomes are exact: one redemption wins and its grant then
// ends; every concurrent refresh gets the same successor, so one chain survives.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import * as oidc from 'openid-client';
import {
  authorizationRequest,
  codeFlow,
  discover,
  REDIRECT_URI,
  signIn,
} from '../support/flows.ts';
import { describeEachBackend, startTestSso, type TestSso } from '../support/sso.ts';
import { UserAgent } from '../support/user-agent.ts';

const PARALLEL = 50;

describeEachBackend('fifty at once (%s store)', (backend) => {
  let sso: TestSso;
  let config: oidc.Configuration;
  let client: { clientId: string; secret: string | undefined };
  let credentials: { login: string; password: string };

  beforeAll(async () => {
    sso = await startTestSso({ backend });
    const user = await sso.user({ username: 'racer' });
    credentials = { login: 'racer', password: user.password };
    client = await sso.client({
      type: 'confidential',
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: [REDIRECT_URI],
      firstParty: true,
    });
    config = await discover(sso.issuer, client.clientId, client.secret);
  });
  afterAll(async () => {
    await sso.stop();
  });

  const postToken = async (body: Record<string, string>) => {
    const response = await fetch(`${sso.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${client.clientId}:${client.secret}`).toString('base64')}`,
      },
      body: new URLSearchParams(body).toString(),
    });
    return { status: response.status, body: (await response.json()) as Record<string, string> };
  };

  const active = async (token: string) => (await oidc.tokenIntrospection(config, token)).active;

  test('50 parallel redemptions of one code: exactly one succeeds, and then its grant ends', async () => {
    const request = await authorizationRequest(config, {
      scope: 'openid offline_access',
      prompt: 'consent',
    });
    const callback = await signIn(
      new UserAgent({ ssoOrigin: new URL(sso.issuer).origin }),
      request.url,
      credentials,
    );
    const code = callback.searchParams.get('code')!;
    const results = await Promise.all(
      Array.from({ length: PARALLEL }, () =>
        postToken({
          grant_type: 'authorization_code',
          code,
          redirect_uri: REDIRECT_URI,
          code_verifier: request.verifier,
        }),
      ),
    );
    const winners = results.filter((result) => result.status === 200);
    expect(winners).toHaveLength(1);
    const losers = results.filter((result) => result.status !== 200);
    expect(losers).toHaveLength(PARALLEL - 1);
    for (const loser of losers)
      expect(loser).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    const won = winners[0]!.body;
    // The replays revoked what the code gave.
    expect(await active(won.access_token!)).toBe(false);
    await expect(oidc.refreshTokenGrant(config, won.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  test('50 parallel refreshes of one token: all get the same successor, which carries on the one chain', async () => {
    const { tokens } = await codeFlow(
      config,
      new UserAgent({ ssoOrigin: new URL(sso.issuer).origin }),
      credentials,
      { scope: 'openid offline_access', prompt: 'consent' },
    );
    const results = await Promise.all(
      Array.from({ length: PARALLEL }, () =>
        postToken({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token! }),
      ),
    );
    expect(results.map((result) => result.status)).toEqual(Array(PARALLEL).fill(200));
    const successors = new Set(results.map((result) => result.body.refresh_token));
    expect(successors.size).toBe(1);
    const [successor] = successors;
    expect(successor).not.toBe(tokens.refresh_token);
    // Every answer's access token works, and the one chain goes on.
    expect(await active(results[0]!.body.access_token!)).toBe(true);
    expect(await active(results[PARALLEL - 1]!.body.access_token!)).toBe(true);
    const next = await oidc.refreshTokenGrant(config, successor!);
    expect(next.refresh_token).not.toBe(successor);
    expect(await active(next.access_token)).toBe(true);
    const after = await oidc.refreshTokenGrant(config, next.refresh_token!);
    expect(await active(after.access_token)).toBe(true);
  });
});
