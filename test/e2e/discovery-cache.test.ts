// The discovery document served from memory after the engine's first answer (provider/oidc/
// discovery-cache.ts): the same bytes and headers as the engine's, CORS for the caller's origin,
// HEAD, and counted under the same route.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { parseExposition } from '../support/prometheus.ts';
import { startTestSso, type TestSso } from '../support/sso.ts';

// Headers that differ between any two responses.
const VARYING = new Set(['date', 'x-request-id', 'keep-alive', 'connection']);
const headersOf = (response: Response) =>
  Object.fromEntries([...response.headers].filter(([name]) => !VARYING.has(name)));

describe('discovery document kept in memory', () => {
  let sso: TestSso;
  const token = randomBytes(24).toString('base64url');
  const url = () => `${sso.issuer}/.well-known/openid-configuration`;

  beforeAll(async () => {
    sso = await startTestSso({ basePath: '/auth', env: { SSO_METRICS_TOKEN: token } });
  });
  afterAll(async () => {
    await sso.stop();
  });

  test('later answers have the bytes and headers of the engine’s first one, CORS for the asking origin', async () => {
    const first = await fetch(url());
    const firstBody = await first.text();
    expect(first.status).toBe(200);
    const document = JSON.parse(firstBody) as { issuer: string; token_endpoint: string };
    expect(document.issuer).toBe(sso.issuer);
    expect(document.token_endpoint).toBe(`${sso.issuer}/token`);
    expect(first.headers.get('access-control-allow-origin')).toBe('*');

    for (let i = 0; i < 3; i++) {
      const again = await fetch(url());
      expect(again.status).toBe(200);
      expect(await again.text()).toBe(firstBody);
      expect(headersOf(again)).toEqual(headersOf(first));
    }

    const fromApp = await fetch(url(), { headers: { origin: 'https://app.example.test' } });
    expect(await fromApp.text()).toBe(firstBody);
    expect(fromApp.headers.get('access-control-allow-origin')).toBe('https://app.example.test');
    expect(fromApp.headers.get('vary')).toBe('Origin');

    const head = await fetch(url(), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect(head.headers.get('content-length')).toBe(first.headers.get('content-length'));
    expect(head.headers.get('content-type')).toBe('application/json; charset=utf-8');
  });

  test('a preflight still gets the engine’s CORS answer', async () => {
    const preflight = await fetch(url(), {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.test', 'access-control-request-method': 'GET' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example.test');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('GET');
  });

  test('every discovery request, the engine’s first and those from memory, is counted as oidc:discovery', async () => {
    const before = await fetch(`${sso.issuer}/metrics`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const count = (text: string) =>
      parseExposition(text).value('sso_http_requests_total', {
        route: 'oidc:discovery',
        method: 'GET',
        status: '200',
      }) ?? 0;
    const start = count(await before.text());
    for (let i = 0; i < 4; i++) await (await fetch(url())).text();
    const after = await fetch(`${sso.issuer}/metrics`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(count(await after.text())).toBe(start + 4);
  });
});
