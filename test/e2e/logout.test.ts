import { afterAll, beforeAll, expect, test } from '@jest/globals';
import * as jose from 'jose';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import {
  authorizationRequest,
  codeFlow,
  discover,
  POST_LOGOUT_URI,
  REDIRECT_URI,
} from '../support/flows.ts';
import { describeEachBackend, startTestSso, type TestSso } from '../support/sso.ts';
import { formTo, left, page, UserAgent } from '../support/user-agent.ts';

describeEachBackend('logout: RP-initiated and back-channel (%s store)', (backend) => {
  let sso: TestSso;
  let app: oidc.Configuration;
  let other: oidc.Configuration;
  let credentials: { login: string; password: string };
  let receiver: Server;
  const logoutTokens: string[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const token = new URLSearchParams(body).get('logout_token');
        if (token) logoutTokens.push(token);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const { port } = receiver.address() as AddressInfo;

    sso = await startTestSso({
      backend,
      env: { SSO_OUTGOING_ALLOWED_HOSTS: `127.0.0.1:${port}` },
    });
    const frank = await sso.user({ username: 'frank' });
    credentials = { login: 'frank', password: frank.password };
    const web = await sso.client({
      type: 'confidential',
      name: 'Web',
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: [REDIRECT_URI],
      postLogoutRedirectUris: [POST_LOGOUT_URI],
      firstParty: true,
    });
    app = await discover(sso.issuer, web.clientId, web.secret);
    const second = await sso.client({
      type: 'confidential',
      name: 'Second App',
      grantTypes: ['authorization_code'],
      redirectUris: [REDIRECT_URI],
      backchannelLogoutUri: `http://127.0.0.1:${port}/backchannel-logout`,
      firstParty: true,
    });
    other = await discover(sso.issuer, second.clientId, second.secret);
  });
  afterAll(async () => {
    await sso.stop();
    await new Promise((resolve) => receiver.close(resolve));
  });

  test('signing out ends the session, notifies other apps and sends the user back with state', async () => {
    const agent = new UserAgent({ ssoOrigin: new URL(sso.issuer).origin });
    const { tokens } = await codeFlow(app, agent, credentials);
    // Single sign-on: the second app signs in without a login page.
    const { tokens: otherTokens } = await codeFlow(other, agent, {
      login: 'unused',
      password: 'unused',
    });
    const sid = otherTokens.claims()!.sid;
    expect(sid).toBeDefined();

    const endSession = oidc.buildEndSessionUrl(app, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: POST_LOGOUT_URI,
      state: 'bye',
    });
    const confirm = page(await agent.open(endSession.href));
    expect(confirm.html).toContain('Sign out everywhere');
    const back = left(
      await agent.submit(formTo(confirm, '/session/end/confirm'), {}, { logout: 'yes' }),
    );
    expect(back.origin + back.pathname).toBe(POST_LOGOUT_URI);
    expect(back.searchParams.get('state')).toBe('bye');

    // The session is gone: a silent authorization needs a login again.
    const silent = await authorizationRequest(app, { prompt: 'none' });
    const answer = left(await agent.open(silent.url.href));
    expect(answer.searchParams.get('error')).toBe('login_required');

    // The tokens of the session (no offline_access) ended with it.
    expect((await oidc.tokenIntrospection(app, tokens.access_token)).active).toBe(false);

    // The second app got a signed logout token for that session.
    for (let i = 0; i < 50 && logoutTokens.length === 0; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(logoutTokens).toHaveLength(1);
    const jwks = jose.createRemoteJWKSet(new URL(app.serverMetadata().jwks_uri!));
    const { payload } = await jose.jwtVerify(logoutTokens[0]!, jwks, {
      issuer: sso.issuer,
      audience: other.clientMetadata().client_id,
      typ: 'logout+jwt',
    });
    expect(payload.sid).toBe(sid);
    expect(payload.events).toEqual({ 'http://schemas.openid.net/event/backchannel-logout': {} });
  });

  test('signing out of one app keeps the SSO session for the others', async () => {
    const agent = new UserAgent({ ssoOrigin: new URL(sso.issuer).origin });
    const { tokens } = await codeFlow(app, agent, credentials);
    await codeFlow(other, agent, credentials);
    const confirm = page(
      await agent.open(oidc.buildEndSessionUrl(app, { id_token_hint: tokens.id_token! }).href),
    );
    expect(confirm.html).toContain('Only sign out of Web');
    await agent.submit(formTo(confirm, '/session/end/confirm'));
    expect((await oidc.tokenIntrospection(app, tokens.access_token)).active).toBe(false);
    const stillIn = left(
      await agent.open((await authorizationRequest(other, { prompt: 'none' })).url.href),
    );
    expect(stillIn.searchParams.get('code')).toBeTruthy();
    const signedOut = left(
      await agent.open((await authorizationRequest(app, { prompt: 'none' })).url.href),
    );
    expect(signedOut.searchParams.get('code')).toBeNull();
    expect(signedOut.searchParams.get('error')).toMatch(/_required$/);
  });

  test('without a post-logout redirect the user sees a signed-out page', async () => {
    const agent = new UserAgent({ ssoOrigin: new URL(sso.issuer).origin });
    await codeFlow(app, agent, credentials);
    const confirm = page(await agent.open(oidc.buildEndSessionUrl(app, {}).href));
    const done = page(
      await agent.submit(formTo(confirm, '/session/end/confirm'), {}, { logout: 'yes' }),
    );
    expect(done.html).toContain('id="logged-out"');
  });

  test('an unregistered post-logout redirect is refused with an error page', async () => {
    const agent = new UserAgent({ ssoOrigin: new URL(sso.issuer).origin });
    const { tokens } = await codeFlow(app, agent, credentials);
    const url = oidc.buildEndSessionUrl(app, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: 'https://evil.example.test/',
    });
    const result = page(await agent.open(url.href));
    expect(result.status).toBe(400);
    // Said for people, the code in small print; not the engine's own description.
    expect(result.html).toContain('to an address it has not registered after signing out');
    expect(result.html).toContain('<code dir="ltr" id="error-code">invalid_request</code>');
    expect(result.html).not.toContain('post_logout_redirect_uri not registered');
  });
});
