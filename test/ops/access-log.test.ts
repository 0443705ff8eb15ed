// The access log as an operator reads it and as an attacker with the log would: one JSON line per
// request with its id, method, route template, status, duration and client, and not one of the
// passwords, secrets, codes, tokens or cookies that the flows below used anywhere in the log.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as oidc from 'openid-client';
import { authorizationRequest, codeFlow, discover, REDIRECT_URI } from '../support/flows.ts';
import { startTestSso, type TestSso } from '../support/sso.ts';
import { formTo, page, UserAgent } from '../support/user-agent.ts';

const API = 'https://api.example.test/orders';

interface RequestLine {
  msg: string;
  requestId: string;
  method: string;
  route: string;
  status: number;
  durationMs: number;
  clientId?: string;
}

describe('the access log', () => {
  let sso: TestSso;
  const lines: string[] = [];
  // Everything secret the flows handle; none may reach the log.
  const secrets: string[] = [];
  let webClientId: string;
  let workerClientId: string;
  let interactionUid = '';

  const requests = () =>
    lines.map((line) => JSON.parse(line) as RequestLine).filter((line) => line.msg === 'request');

  beforeAll(async () => {
    sso = await startTestSso({ log: (line) => lines.push(line) });
    const user = await sso.user(
      { username: 'carol', email: 'carol@example.com' },
      'Cr0ss-Wind-Lantern-88',
    );
    secrets.push(user.password, 'Wr0ng-Guess-Of-Carol-77');
    await sso.api({ audience: API, scopes: ['orders:read'] });
    const web = await sso.client({
      type: 'confidential',
      name: 'Web',
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: [REDIRECT_URI],
    });
    const worker = await sso.client({
      type: 'confidential',
      name: 'Worker',
      grantTypes: ['client_credentials'],
      allowedApis: [API],
    });
    webClientId = web.clientId;
    workerClientId = worker.clientId;
    secrets.push(web.secret!, worker.secret!);
    const basic = Buffer.from(`${worker.clientId}:${worker.secret}`).toString('base64');
    secrets.push(basic);

    // A wrong password first, then the code flow with a refresh, userinfo and introspection.
    const config = await discover(sso.issuer, web.clientId, web.secret);
    const agent = new UserAgent({ ssoOrigin: new URL(sso.issuer).origin });
    const attempt = page(await agent.open((await authorizationRequest(config)).url.href));
    interactionUid = /\/interaction\/([\w-]+)/.exec(attempt.url)?.[1] ?? '';
    expect(interactionUid).not.toBe('');
    await agent.submit(formTo(attempt, '/login'), {
      login: 'carol',
      password: 'Wr0ng-Guess-Of-Carol-77',
    });
    const { tokens, callback } = await codeFlow(
      config,
      agent,
      { login: 'carol', password: user.password },
      { scope: 'openid offline_access', prompt: 'consent' },
    );
    secrets.push(callback.searchParams.get('code')!);
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    for (const set of [tokens, refreshed]) {
      secrets.push(set.access_token, set.refresh_token!, set.id_token!);
    }
    await oidc.fetchUserInfo(config, refreshed.access_token, oidc.skipSubjectCheck);
    expect((await oidc.tokenIntrospection(config, refreshed.access_token)).active).toBe(true);
    const cookies = await agent.jar.getCookies(sso.issuer);
    expect(cookies.length).toBeGreaterThan(0);
    for (const cookie of cookies) secrets.push(cookie.value);

    // Client credentials with a request id of the caller's.
    const response = await fetch(`${sso.issuer}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
        'x-request-id': 'lb-trace-0001',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: API }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('lb-trace-0001');
    secrets.push(((await response.json()) as { access_token: string }).access_token);
  }, 60_000);

  afterAll(async () => {
    await sso.stop();
  });

  test('no password, secret, code, token or cookie of the flows is anywhere in the log', () => {
    const log = lines.join('');
    expect(secrets.length).toBeGreaterThanOrEqual(14);
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThanOrEqual(8);
      expect(log.includes(secret)).toBe(false);
    }
    // Nor any query string (codes, states) or raw interaction path.
    expect(log).not.toMatch(/[?&](code|state|code_verifier|client_secret)=/);
    expect(log.includes(interactionUid)).toBe(false);
  });

  test('one line per request, with the fields an operator filters on', () => {
    const all = requests();
    expect(all.length).toBeGreaterThan(10);
    for (const line of all) {
      expect(Object.keys(line).sort()).toEqual(
        expect.arrayContaining(['durationMs', 'method', 'requestId', 'route', 'status']),
      );
      expect(typeof line.durationMs).toBe('number');
      expect(line.route).not.toContain('?');
    }
    const tokenCalls = all.filter((line) => line.route === 'oidc:token');
    // The code redemption, the refresh and the client-credentials grant.
    expect(tokenCalls.map((line) => line.clientId).sort()).toEqual(
      [webClientId, webClientId, workerClientId].sort(),
    );
    expect(tokenCalls.every((line) => line.method === 'POST' && line.status === 200)).toBe(true);
    expect(all.find((line) => line.requestId === 'lb-trace-0001')).toMatchObject({
      route: 'oidc:token',
      clientId: workerClientId,
    });
    // SSO's own pages by their templates, the protocol endpoints by name.
    const routes = new Set(all.map((line) => line.route));
    for (const route of [
      'oidc:discovery',
      'oidc:authorization',
      'oidc:userinfo',
      'oidc:introspection',
      '/interaction/:uid',
    ]) {
      expect(routes).toContain(route);
    }
  });

  test('a made-up or unsafe X-Request-Id is replaced by a fresh id, echoed back', async () => {
    const seen: string[] = [];
    for (const header of [undefined, 'has spaces in it', '<script>', 'x'.repeat(200)]) {
      const response = await fetch(`${sso.issuer}/healthz`, {
        headers: header === undefined ? {} : { 'x-request-id': header },
      });
      const id = response.headers.get('x-request-id')!;
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      seen.push(id);
    }
    expect(new Set(seen).size).toBe(seen.length);
    const logged = requests().filter((line) => seen.includes(line.requestId));
    expect(logged.map((line) => line.route)).toEqual(Array(seen.length).fill('/healthz'));
  });
});
