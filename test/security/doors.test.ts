// The smaller doors an attack run found, each tried again the way it was found: removed clients
// coming back with their tokens, introspecting other clients' tokens, a client authenticating with a
// method it is not registered for, the device page without a session, discovery following the Host
// header, https without proxy trust, caching and form targets of pages, and redirect URI patterns.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { request } from 'node:http';
import * as oidc from 'openid-client';
import { cliSandboxFor, expectOneLineError } from '../cli/cli-process.ts';
import { authorizationRequest, codeFlow, discover, REDIRECT_URI } from '../support/flows.ts';
import { describeEachBackend, startTestSso, type TestSso } from '../support/sso.ts';
import { page, UserAgent } from '../support/user-agent.ts';
import { createLogger } from '../../provider/log.ts';
import { loadConfig } from '../../provider/config.ts';
import { startServer } from '../../provider/server.ts';
import { openStore } from '../../provider/store.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ORDERS = 'https://api.example.test/orders';

// A raw HTTP request, so that the Host header is exactly what the test says (fetch sets its own).
function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: options.method ?? 'GET',
        headers: options.headers,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describeEachBackend('smaller doors (%s store)', (backend) => {
  let sso: TestSso;
  let credentials: { login: string; password: string };

  beforeAll(async () => {
    sso = await startTestSso({ backend });
    const dora = await sso.user({ username: 'dora' });
    credentials = { login: 'dora', password: dora.password };
    await sso.api({ audience: ORDERS, scopes: ['orders:read'], tokenFormat: 'opaque' });
  });
  afterAll(async () => {
    await sso.stop();
  });

  const agent = () => new UserAgent({ ssoOrigin: new URL(sso.issuer).origin });
  const webClient = (clientId?: string) =>
    sso.client({
      ...(clientId ? { clientId } : {}),
      type: 'confidential',
      name: 'Removable',
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: [REDIRECT_URI],
    });

  test('a removed client, registered again with the same id, gets back no token and no consent', async () => {
    const first = await webClient('comes-back');
    const config = await discover(sso.issuer, first.clientId, first.secret);
    const browser = agent();
    const { tokens } = await codeFlow(config, browser, credentials, {
      scope: 'openid profile offline_access',
      prompt: 'consent',
    });
    await sso.clients.remove('comes-back');

    // Before the id is taken again: everything it had is gone, and asking about it is no error.
    const bystander = await sso.client({
      type: 'confidential',
      grantTypes: ['client_credentials'],
    });
    const bystanderConfig = await discover(sso.issuer, bystander.clientId, bystander.secret);
    expect(await oidc.tokenIntrospection(bystanderConfig, tokens.access_token)).toEqual({
      active: false,
    });

    const again = await webClient('comes-back');
    const againConfig = await discover(sso.issuer, again.clientId, again.secret);
    expect(await oidc.tokenIntrospection(againConfig, tokens.access_token)).toEqual({
      active: false,
    });
    await expect(
      oidc.fetchUserInfo(againConfig, tokens.access_token, oidc.skipSubjectCheck),
    ).rejects.toMatchObject({ status: 401 });
    await expect(oidc.refreshTokenGrant(againConfig, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    // The same browser, still signed in at SSO, is asked for consent again.
    const request = await authorizationRequest(againConfig, { scope: 'openid profile' });
    const consent = page(await browser.open(request.url.href));
    expect(consent.html).toContain('Allow access');
  });

  test('a token whose client record vanished introspects as inactive, never a 500', async () => {
    const owner = await webClient();
    const config = await discover(sso.issuer, owner.clientId, owner.secret);
    const { tokens } = await codeFlow(config, agent(), credentials);
    // As a store written before removal cleaned up would be: the client gone, its tokens left.
    await sso.store.clients.delete(owner.clientId);
    const api = await sso.client({
      type: 'confidential',
      grantTypes: ['client_credentials'],
      resourceServerFor: [ORDERS],
    });
    const apiConfig = await discover(sso.issuer, api.clientId, api.secret);
    expect(await oidc.tokenIntrospection(apiConfig, tokens.access_token)).toEqual({
      active: false,
    });
  });

  test('introspection answers only the token’s client and the resource servers of its audience', async () => {
    const caller = await sso.client({
      type: 'confidential',
      grantTypes: ['client_credentials'],
      allowedApis: [ORDERS],
    });
    const callerConfig = await discover(sso.issuer, caller.clientId, caller.secret);
    const forOrders = await oidc.clientCredentialsGrant(callerConfig, {
      resource: ORDERS,
      scope: 'orders:read',
    });
    const ordersServer = await sso.client({
      type: 'confidential',
      grantTypes: ['client_credentials'],
      resourceServerFor: [ORDERS],
    });
    const stranger = await sso.client({ type: 'confidential', grantTypes: ['client_credentials'] });
    const ask = async (who: { clientId: string; secret: string | undefined }, token: string) =>
      oidc.tokenIntrospection(await discover(sso.issuer, who.clientId, who.secret), token);
    expect(await ask(caller, forOrders.access_token)).toMatchObject({ active: true, aud: ORDERS });
    expect(await ask(ordersServer, forOrders.access_token)).toMatchObject({
      active: true,
      aud: ORDERS,
      client_id: caller.clientId,
    });
    expect(await ask(stranger, forOrders.access_token)).toEqual({ active: false });
    // A token without an audience is its own client's business only.
    const plain = await oidc.clientCredentialsGrant(
      await discover(sso.issuer, stranger.clientId, stranger.secret),
    );
    expect(await ask(ordersServer, plain.access_token)).toEqual({ active: false });
  });

  test('a client authenticates only with its registered method: basic is not post, post is not basic', async () => {
    const basicClient = await sso.client({
      type: 'confidential',
      grantTypes: ['client_credentials'],
    });
    const postClient = await sso.client({
      type: 'confidential',
      grantTypes: ['client_credentials'],
      authMethod: 'client_secret_post',
    });
    const token = async (body: Record<string, string>, authorization?: string) => {
      const response = await fetch(`${sso.issuer}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(authorization ? { authorization } : {}),
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', ...body }).toString(),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const basic = (id: string, secret: string) =>
      `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
    expect(
      await token({ client_id: basicClient.clientId, client_secret: basicClient.secret! }),
    ).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect(await token({}, basic(postClient.clientId, postClient.secret!))).toMatchObject({
      status: 401,
      body: { error: 'invalid_client' },
    });
    expect((await token({}, basic(basicClient.clientId, basicClient.secret!))).status).toBe(200);
    expect(
      (await token({ client_id: postClient.clientId, client_secret: postClient.secret! })).status,
    ).toBe(200);
    const failures = await sso.audit.list({ type: 'client.auth.failure', limit: 10 });
    expect(failures.map((event) => event.clientId)).toEqual(
      expect.arrayContaining([basicClient.clientId, postClient.clientId]),
    );
  });

  test('the device page without its session cookie is a clear 400 page, never a 500 or a stack trace', async () => {
    for (const [method, path, body] of [
      ['POST', '/device', 'user_code=BCDF-GHJK&xsrf=whatever'],
      ['GET', '/device/some-interaction', undefined],
    ] as const) {
      const response = await fetch(`${sso.issuer}${path}`, {
        method,
        headers: {
          accept: 'text/html',
          ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        ...(body ? { body } : {}),
      });
      const html = await response.text();
      expect({ path, status: response.status }).toEqual({ path, status: 400 });
      expect(html).toContain('Open the device page again');
      expect(html).not.toMatch(/\bat .*\.(js|ts):\d+/);
    }
    // The device authorization endpoint, asked with GET, says which method it takes.
    const wrongMethod = await fetch(`${sso.issuer}/device/auth`, {
      headers: { accept: 'text/html' },
    });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST, OPTIONS');
    expect(await wrongMethod.json()).toMatchObject({ error: 'invalid_request' });
  });

  test('discovery and the device verification URI come from the issuer, whatever Host and X-Forwarded-* say', async () => {
    const spoofed = {
      host: 'evil.example.test',
      'x-forwarded-host': 'evil2.example.test',
      'x-forwarded-proto': 'https',
    };
    const discovery = await rawRequest(`${sso.listenUrl}/.well-known/openid-configuration`, {
      headers: spoofed,
    });
    const metadata = JSON.parse(discovery.body) as Record<string, unknown>;
    const urls = Object.values(metadata).filter(
      (value): value is string => typeof value === 'string' && /^https?:/.test(value),
    );
    expect(urls.length).toBeGreaterThan(8);
    for (const url of urls) expect(url.startsWith(sso.issuer)).toBe(true);

    const tv = await sso.client({ type: 'public', name: 'TV', grantTypes: ['device_code'] });
    const device = await rawRequest(`${sso.listenUrl}/device/auth`, {
      method: 'POST',
      headers: { ...spoofed, 'content-type': 'application/x-www-form-urlencoded' },
      body: `client_id=${tv.clientId}&scope=openid`,
    });
    expect(device.status).toBe(200);
    const answer = JSON.parse(device.body) as Record<string, string>;
    expect(answer.verification_uri).toBe(`${sso.issuer}/device`);
    expect(answer.verification_uri_complete?.startsWith(`${sso.issuer}/device?`)).toBe(true);
  });

  test('pages are never cached, and their forms may only go to SSO and the application signing in', async () => {
    const client = await webClient();
    const config = await discover(sso.issuer, client.clientId, client.secret);
    const login = page(await agent().open((await authorizationRequest(config)).url.href));
    expect(login.headers.get('cache-control')).toBe('no-store');
    const csp = login.headers.get('content-security-policy')!;
    expect(csp).toContain(`form-action 'self' ${new URL(REDIRECT_URI).origin}`);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(login.headers.get('strict-transport-security')).toBeNull(); // http issuer
    const error = await fetch(`${sso.issuer}/auth?client_id=nobody`, {
      headers: { accept: 'text/html' },
    });
    expect(error.headers.get('cache-control')).toBe('no-store');
    expect(error.headers.get('content-security-policy')).toContain("form-action 'self'");
  });

  test('the CLI refuses "*" and plain-http redirect URIs outside loopback, unless told it is for development', async () => {
    const cli = cliSandboxFor(sso.storeEnv);
    const add = (...extra: string[]) =>
      cli.run(['clients', 'add', '--confidential', '--name', 'App', ...extra, '--json']);
    expectOneLineError(
      await add('--redirect-uri', 'https://*.example.test/callback'),
      1,
      /matched exactly/,
    );
    expectOneLineError(
      await add('--redirect-uri', 'http://app.example.test/callback'),
      1,
      /plain http on a host other than loopback/,
    );
    expectOneLineError(
      await add(
        '--redirect-uri',
        'https://app.example.test/callback',
        '--post-logout-redirect-uri',
        'http://app.example.test/bye',
      ),
      1,
      /plain http/,
    );
    for (const uri of [
      'http://localhost:8080/callback',
      'http://127.0.0.1/cb',
      'http://[::1]/cb',
    ]) {
      expect((await add('--redirect-uri', uri)).code).toBe(0);
    }
    const dev = await add(
      '--redirect-uri',
      'http://app.example.test/callback',
      '--insecure-redirect-uris',
    );
    expect(dev.code).toBe(0);
  });
});

describe('an https issuer', () => {
  test('gets HSTS, Secure cookies and https URLs; without proxy trust one warning line says why that matters', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sso-https-'));
    const lines: string[] = [];
    const env = {
      SSO_ISSUER: 'https://sso.example.test',
      SSO_PORT: '0',
      SSO_HOST: '127.0.0.1',
      SSO_DATA_DIR: dataDir,
      SSO_LOG_LEVEL: 'warn',
    };
    const config = loadConfig(env);
    const log = createLogger('warn', (line) => lines.push(line));
    const running = await startServer(config, await openStore(config, log), log);
    try {
      // Besides the first-run setup link of this empty store, one warning: the proxy's.
      const warnings = lines
        .map((line) => JSON.parse(line) as { level: string; msg: string; setupUrl?: string })
        .filter((line) => line.setupUrl === undefined);
      expect(warnings).toEqual([
        expect.objectContaining({
          level: 'warn',
          msg: expect.stringMatching(/^SSO_ISSUER is https but SSO_TRUST_PROXY is off/),
        }),
      ]);
      const discovery = await fetch(`${running.listenUrl}/.well-known/openid-configuration`);
      expect(discovery.headers.get('strict-transport-security')).toBe('max-age=31536000');
      const metadata = (await discovery.json()) as { token_endpoint: string };
      expect(metadata.token_endpoint).toBe('https://sso.example.test/token');
      const client = await running.clients.create({
        type: 'confidential',
        grantTypes: ['authorization_code'],
        redirectUris: [REDIRECT_URI],
      });
      const auth = await fetch(
        `${running.listenUrl}/auth?${new URLSearchParams({
          client_id: client.client.clientId,
          response_type: 'code',
          scope: 'openid',
          redirect_uri: REDIRECT_URI,
        })}`,
        { redirect: 'manual' },
      );
      const cookies = auth.headers.getSetCookie();
      expect(cookies.length).toBeGreaterThan(0);
      for (const cookie of cookies) expect(cookie).toMatch(/;\s*secure/i);
      expect(auth.headers.get('location')).toMatch(/^\/interaction\//);
    } finally {
      await running.close();
    }
    // The same issuer with proxy trust: no warning.
    const quiet: string[] = [];
    const trusted = loadConfig({ ...env, SSO_TRUST_PROXY: 'true' });
    const quietLog = createLogger('warn', (line) => quiet.push(line));
    const second = await startServer(trusted, await openStore(trusted, quietLog), quietLog);
    await second.close();
    await rm(dataDir, { recursive: true, force: true });
    // (The store still has no administrator: the first-run setup link is printed again.)
    expect(quiet.filter((line) => !line.includes('"setupUrl"'))).toEqual([]);
  });
});
