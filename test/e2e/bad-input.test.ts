import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as oidc from 'openid-client';
import { authorizationRequest, discover, REDIRECT_URI, signIn } from '../support/flows.ts';
import { describeEachBackend, startTestSso, type TestSso } from '../support/sso.ts';
import { formTo, page, UserAgent } from '../support/user-agent.ts';

// Every bad request gets a standard OAuth error (JSON for programs, a page or a redirect for
// browsers) and never a 500.
describeEachBackend('bad input (%s store)', (backend) => {
  let sso: TestSso;
  let web: { clientId: string; secret: string | undefined };
  let spa: { clientId: string; secret: string | undefined };
  let config: oidc.Configuration;
  let tokenEndpoint: string;
  let credentials: { login: string; password: string };

  beforeAll(async () => {
    sso = await startTestSso({ backend });
    const erin = await sso.user({ username: 'erin' });
    credentials = { login: 'erin', password: erin.password };
    web = await sso.client({
      type: 'confidential',
      name: 'Web',
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: [REDIRECT_URI],
      firstParty: true,
    });
    spa = await sso.client({
      type: 'public',
      name: 'SPA',
      grantTypes: ['authorization_code'],
      redirectUris: [REDIRECT_URI],
      firstParty: true,
    });
    config = await discover(sso.issuer, web.clientId, web.secret);
    tokenEndpoint = config.serverMetadata().token_endpoint!;
  });
  afterAll(async () => {
    await sso.stop();
  });

  const basic = (id: string, secret: string) =>
    `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

  const postToken = async (body: string, headers: Record<string, string> = {}) => {
    const response = await fetch(tokenEndpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        ...headers,
      },
      body,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  const authorize = (params: Record<string, string>) => {
    const url = new URL(config.serverMetadata().authorization_endpoint!);
    url.search = new URLSearchParams(params).toString();
    return fetch(url, { redirect: 'manual', headers: { accept: 'text/html' } });
  };

  test('an unknown client at the authorization endpoint gets an error page, not a redirect', async () => {
    const response = await authorize({
      client_id: 'nobody',
      response_type: 'code',
      scope: 'openid',
      redirect_uri: REDIRECT_URI,
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    const html = await response.text();
    expect(html).toContain('invalid_client');
    expect(html).not.toMatch(/\bat .*\.js:\d+/);
  });

  test('a redirect URI that is not registered gets an error page, never a redirect to it', async () => {
    const response = await authorize({
      client_id: web.clientId,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: 'https://evil.example.test/steal',
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toContain('redirect_uri');
  });

  test('a public client without PKCE is sent back with invalid_request', async () => {
    const response = await authorize({
      client_id: spa.clientId,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: REDIRECT_URI,
      state: 's1',
    });
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get('location')!);
    expect(location.origin + location.pathname).toBe(REDIRECT_URI);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('state')).toBe('s1');
  });

  test('PKCE plain is refused', async () => {
    const response = await authorize({
      client_id: spa.clientId,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: REDIRECT_URI,
      code_challenge: 'a'.repeat(43),
      code_challenge_method: 'plain',
    });
    const location = new URL(response.headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('invalid_request');
  });

  test('a code redeemed with the wrong PKCE verifier is refused with invalid_grant', async () => {
    const request = await authorizationRequest(config);
    const callback = await signIn(
      new UserAgent({ ssoOrigin: new URL(sso.issuer).origin }),
      request.url,
      credentials,
    );
    await expect(
      oidc.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: oidc.randomPKCECodeVerifier(),
        expectedState: request.state,
        expectedNonce: request.nonce,
      }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  test('a code redeemed without the verifier is refused with invalid_grant', async () => {
    const request = await authorizationRequest(config);
    const callback = await signIn(
      new UserAgent({ ssoOrigin: new URL(sso.issuer).origin }),
      request.url,
      credentials,
    );
    const code = callback.searchParams.get('code')!;
    const result = await postToken(
      new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URI,
      }).toString(),
      { authorization: basic(web.clientId, web.secret!) },
    );
    expect(result).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  test('a wrong client secret is invalid_client with 401', async () => {
    const result = await postToken('grant_type=client_credentials', {
      authorization: basic(web.clientId, 'wrong'),
    });
    expect(result.status).toBe(401);
    expect(result.body.error).toBe('invalid_client');
  });

  test('an unknown client at the token endpoint is invalid_client', async () => {
    const result = await postToken('grant_type=client_credentials', {
      authorization: basic('ghost', 'x'),
    });
    expect(result.status).toBe(401);
    expect(result.body.error).toBe('invalid_client');
  });

  test('an unsupported or disallowed grant type is refused', async () => {
    const auth = { authorization: basic(web.clientId, web.secret!) };
    expect((await postToken('grant_type=password&username=a&password=b', auth)).body.error).toBe(
      'unsupported_grant_type',
    );
    expect(await postToken('grant_type=client_credentials', auth)).toMatchObject({
      status: 400,
      body: {
        error: 'invalid_request',
        error_description: 'requested grant type is not allowed for this client',
      },
    });
    expect((await postToken('', auth)).body.error).toBe('invalid_request');
  });

  test('malformed and oversized bodies are invalid_request, never 500', async () => {
    const auth = { authorization: basic(web.clientId, web.secret!) };
    const json = await postToken('{"grant_type":', { ...auth, 'content-type': 'application/json' });
    expect(json.status).toBeGreaterThanOrEqual(400);
    expect(json.status).toBeLessThan(500);
    expect(typeof json.body.error).toBe('string');
    const huge = await postToken(
      `grant_type=client_credentials&scope=${'a'.repeat(200_000)}`,
      auth,
    );
    expect(huge).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    const duplicated = await postToken(
      'grant_type=client_credentials&grant_type=refresh_token',
      auth,
    );
    expect(duplicated).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
  });

  test('an oversized authorization request is refused without a 500', async () => {
    const response = await authorize({
      client_id: web.clientId,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: REDIRECT_URI,
      state: 'x'.repeat(20_000),
    });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
  });

  test('userinfo without a token, with a bogus one or the wrong scheme answers per RFC 6750', async () => {
    const userinfo = config.serverMetadata().userinfo_endpoint!;
    for (const [headers, status] of [
      [{}, 401],
      [{ authorization: 'Bearer nope' }, 401],
      [{ authorization: 'Basic abc' }, 400],
    ] as const) {
      const response = await fetch(userinfo, { headers });
      expect(response.status).toBe(status);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
      expect(await response.json()).toMatchObject({
        error: status === 401 ? 'invalid_token' : 'invalid_request',
      });
    }
  });

  describe('sign-in pages', () => {
    const startLogin = async () => {
      const agent = new UserAgent({ ssoOrigin: new URL(sso.issuer).origin });
      const request = await authorizationRequest(config);
      return { agent, login: page(await agent.open(request.url.href)) };
    };

    test('a wrong password and an unknown user get the same message', async () => {
      const { agent, login } = await startLogin();
      const wrong = page(
        await agent.submit(formTo(login, '/login'), {
          login: 'erin',
          password: 'not her password',
        }),
      );
      const unknown = page(
        await agent.submit(formTo(wrong, '/login'), { login: 'nobody', password: 'whatever1' }),
      );
      const message = (html: string) => /id="login-error">([^<]*)</.exec(html)?.[1];
      expect(message(wrong.html)).toBe('Incorrect username or password.');
      expect(message(unknown.html)).toBe(message(wrong.html));
      expect(wrong.status).toBe(unknown.status);
    });

    test('a login form posted without the interaction cookie gets an error page', async () => {
      const { login } = await startLogin();
      const form = formTo(login, '/login');
      const response = await fetch(form.action, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
        body: new URLSearchParams({ login: 'erin', password: credentials.password }).toString(),
      });
      expect(response.status).toBe(400);
      expect(await response.text()).toContain('error-code');
    });

    test('an oversized login form is refused without a 500', async () => {
      const { agent, login } = await startLogin();
      const response = await agent.request(formTo(login, '/login').action, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `login=erin&password=${'p'.repeat(100_000)}`,
      });
      expect(response.status).toBe(413);
    });

    test('a page of another interaction id is refused', async () => {
      const { agent, login } = await startLogin();
      const form = formTo(login, '/login');
      const other = form.action.replace(/interaction\/[^/]+\//, 'interaction/someone-else/');
      const response = await agent.request(other, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ login: 'erin', password: credentials.password }).toString(),
      });
      expect(response.status).toBe(400);
    });

    test('JSON callers of our pages get OAuth-style JSON errors', async () => {
      const response = await fetch(`${sso.issuer}/interaction/abc`, {
        headers: { accept: 'application/json' },
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'invalid_request' });
    });
  });
});
