// Metrics as Prometheus scrapes them: a scrape before and after real flows (a wrong password, a
// sign-in, a code redemption, a refresh, client credentials, a lockout), and the counters moved by
// exactly what the flows did. Served on a port of their own, or on the main port behind a token.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as oidc from 'openid-client';
import { authorizationRequest, codeFlow, discover, REDIRECT_URI } from '../support/flows.ts';
import { parseExposition, type Scrape } from '../support/prometheus.ts';
import { startTestSso, type TestSso } from '../support/sso.ts';
import { formTo, page, UserAgent } from '../support/user-agent.ts';

const API = 'https://api.example.test/reports';

describe('metrics on their own port, during real flows', () => {
  let sso: TestSso;
  let before: Scrape;
  let after: Scrape;

  const scrape = async (): Promise<Scrape> => {
    const response = await fetch(sso.metricsUrl!);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    return parseExposition(await response.text());
  };
  const delta = (name: string, labels: Record<string, string> = {}) =>
    (after.value(name, labels) ?? 0) - (before.value(name, labels) ?? 0);

  beforeAll(async () => {
    sso = await startTestSso({
      env: {
        SSO_METRICS_PORT: '0',
        SSO_LOGIN_DELAY_AFTER: '5',
        SSO_LOGIN_LOCKOUT_AFTER: '2',
      },
    });
    const erin = await sso.user({ username: 'erin' });
    await sso.user({ username: 'frank' });
    await sso.api({ audience: API, scopes: ['reports:read'] });
    const web = await sso.client({
      type: 'confidential',
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: [REDIRECT_URI],
      firstParty: true,
    });
    const worker = await sso.client({
      type: 'confidential',
      grantTypes: ['client_credentials'],
      allowedApis: [API],
    });
    const config = await discover(sso.issuer, web.clientId, web.secret);
    const workerConfig = await discover(sso.issuer, worker.clientId, worker.secret);

    before = await scrape();
    const agent = new UserAgent({ ssoOrigin: new URL(sso.issuer).origin });
    // One wrong password for erin, then her sign-in, a code redemption and a refresh.
    const attempt = page(await agent.open((await authorizationRequest(config)).url.href));
    await agent.submit(formTo(attempt, '/login'), { login: 'erin', password: 'not her password' });
    const { tokens } = await codeFlow(
      config,
      agent,
      { login: 'erin', password: erin.password },
      { scope: 'openid offline_access', prompt: 'consent' },
    );
    await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    // Two client-credentials tokens.
    await oidc.clientCredentialsGrant(workerConfig, { resource: API });
    await oidc.clientCredentialsGrant(workerConfig, { resource: API });
    // Two wrong passwords lock frank out at this address.
    const other = new UserAgent({ ssoOrigin: new URL(sso.issuer).origin });
    for (let i = 0; i < 2; i++) {
      const form = page(await other.open((await authorizationRequest(config)).url.href));
      await other.submit(formTo(form, '/login'), { login: 'frank', password: `guess ${i}` });
    }
    after = await scrape();
  }, 60_000);

  afterAll(async () => {
    await sso.stop();
  });

  test('tokens issued, by grant type', () => {
    expect(delta('sso_tokens_issued_total', { grant_type: 'authorization_code' })).toBe(1);
    expect(delta('sso_tokens_issued_total', { grant_type: 'refresh_token' })).toBe(1);
    expect(delta('sso_tokens_issued_total', { grant_type: 'client_credentials' })).toBe(2);
  });

  test('sign-ins by outcome, and lockouts', () => {
    expect(delta('sso_sign_ins_total', { outcome: 'success', reason: '' })).toBe(1);
    expect(delta('sso_sign_ins_total', { outcome: 'failure', reason: 'invalid_credentials' })).toBe(
      3,
    );
    expect(delta('sso_lockouts_total', { scope: 'account' })).toBe(1);
  });

  test('requests by route and status, with their latency', () => {
    const token = { route: 'oidc:token', method: 'POST', status: '200' };
    expect(delta('sso_http_requests_total', token)).toBe(4);
    expect(delta('sso_http_request_duration_seconds_count', { route: 'oidc:token' })).toBe(4);
    expect(
      delta('sso_http_requests_total', {
        route: 'oidc:authorization',
        method: 'GET',
        status: '303',
      }),
    ).toBeGreaterThanOrEqual(4);
    // Routes are templates, never raw paths with ids in them.
    for (const { labels } of after.samples('sso_http_requests_total')) {
      expect(labels.route).toMatch(/^(oidc:\w+|\/[\w/:.*-]*|unmatched)$/);
      expect(labels.route).not.toMatch(/[A-Za-z0-9_-]{20,}/);
    }
  });

  test('store calls by operation, and the signing keys age', () => {
    expect(
      delta('sso_store_call_duration_seconds_count', { operation: 'oidc.upsert' }),
    ).toBeGreaterThan(0);
    expect(
      delta('sso_store_call_duration_seconds_count', { operation: 'accounts.findByUsername' }),
    ).toBeGreaterThanOrEqual(4);
    expect(after.value('sso_store_call_errors_total', { operation: 'oidc.upsert' }) ?? 0).toBe(0);
    for (const alg of ['ES256', 'RS256']) {
      const age = after.value('sso_signing_key_age_seconds', { alg });
      expect(age).toBeGreaterThanOrEqual(0);
      expect(age).toBeLessThan(3600);
    }
  });

  test('the metrics port answers nothing but /metrics', async () => {
    const base = new URL(sso.metricsUrl!).origin;
    expect((await fetch(`${base}/`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(404);
    // And the main port has no /metrics without a token configured.
    expect((await fetch(`${sso.issuer}/metrics`)).status).toBe(404);
  });
});

describe('metrics on the main port behind SSO_METRICS_TOKEN', () => {
  const token = 'metrics-token-0123456789abcdef0123456789abcdef';
  let sso: TestSso;
  beforeAll(async () => {
    sso = await startTestSso({ basePath: '/auth', env: { SSO_METRICS_TOKEN: token } });
  });
  afterAll(async () => {
    await sso.stop();
  });

  test('only the right bearer token gets them', async () => {
    expect(sso.metricsUrl).toBeUndefined();
    const none = await fetch(`${sso.issuer}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    const wrong = await fetch(`${sso.issuer}/metrics`, {
      headers: { authorization: `Bearer ${token.slice(0, -1)}x` },
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).not.toContain('sso_http_requests_total');
    await fetch(`${sso.issuer}/.well-known/openid-configuration`);
    const right = await fetch(`${sso.issuer}/metrics`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(right.status).toBe(200);
    const scrape = parseExposition(await right.text());
    expect(
      scrape.value('sso_http_requests_total', {
        route: 'oidc:discovery',
        method: 'GET',
        status: '200',
      }),
    ).toBe(1);
  });
});
