import { afterAll, beforeAll, expect, test } from '@jest/globals';
import * as oidc from 'openid-client';
import { discover } from '../support/flows.ts';
import { describeEachBackend, startTestSso, type TestSso } from '../support/sso.ts';
import { formTo, page, UserAgent } from '../support/user-agent.ts';

describeEachBackend('device authorization grant (RFC 8628) (%s store)', (backend) => {
  let sso: TestSso;
  let tv: oidc.Configuration;
  let gina: { id: string; password: string };

  beforeAll(async () => {
    sso = await startTestSso({ backend });
    gina = await sso.user({ username: 'gina', name: 'Gina' });
    const client = await sso.client({
      type: 'public',
      name: 'Living Room TV',
      grantTypes: ['device_code', 'refresh_token'],
    });
    tv = await discover(sso.issuer, client.clientId, undefined);
  });
  afterAll(async () => {
    await sso.stop();
  });

  // One token request as the device makes it (openid-client's poll would wait the interval first).
  const pollOnce = async (deviceCode: string) => {
    const response = await fetch(tv.serverMetadata().token_endpoint!, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        device_code: deviceCode,
        client_id: tv.clientMetadata().client_id,
      }).toString(),
    });
    expect(response.status).toBe(400);
    return (await response.json()) as Record<string, unknown>;
  };

  const enterCode = async (agent: UserAgent, verificationUri: string, userCode: string) => {
    const codePage = page(await agent.open(verificationUri));
    expect(codePage.html).toContain('Enter the code shown on your device');
    return page(await agent.submit(formTo(codePage, '/device'), { user_code: userCode }));
  };

  test('the user enters the code, signs in, consents and confirms; the device gets tokens', async () => {
    const authorization = await oidc.initiateDeviceAuthorization(tv, { scope: 'openid profile' });
    const agent = new UserAgent({ ssoOrigin: new URL(sso.issuer).origin });
    const confirm = await enterCode(agent, authorization.verification_uri, authorization.user_code);
    expect(confirm.html).toContain('Living Room TV');
    expect(confirm.html).toContain(authorization.user_code);
    const login = page(await agent.submit(formTo(confirm, '/device')));
    const consent = page(
      await agent.submit(formTo(login, '/login'), { login: 'gina', password: gina.password }),
    );
    expect(consent.html).toContain('Living Room TV');
    const done = page(await agent.submit(formTo(consent, '/confirm')));
    expect(done.html).toContain('is connected');

    const tokens = await oidc.pollDeviceAuthorizationGrant(tv, authorization);
    expect(tokens.claims()!.sub).toBe(gina.id);
    const userinfo = await oidc.fetchUserInfo(tv, tokens.access_token, gina.id);
    expect(userinfo.name).toBe('Gina');
  });

  test('a wrong code is refused on the page and the device is never authorized', async () => {
    const authorization = await oidc.initiateDeviceAuthorization(tv, { scope: 'openid' });
    const agent = new UserAgent({ ssoOrigin: new URL(sso.issuer).origin });
    const again = await enterCode(agent, authorization.verification_uri, 'WRONG-CODE');
    expect(again.html).toContain('That code is not valid');
    expect(await pollOnce(authorization.device_code)).toMatchObject({
      error: 'authorization_pending',
    });
  });

  test('cancelling on the confirmation page denies the device', async () => {
    const authorization = await oidc.initiateDeviceAuthorization(tv, { scope: 'openid' });
    const agent = new UserAgent({ ssoOrigin: new URL(sso.issuer).origin });
    const confirm = await enterCode(agent, authorization.verification_uri, authorization.user_code);
    const cancelled = page(await agent.submit(formTo(confirm, '/device'), {}, { abort: 'yes' }));
    expect(cancelled.html).toContain('cancelled');
    expect(await pollOnce(authorization.device_code)).toMatchObject({ error: 'access_denied' });
  });
});
