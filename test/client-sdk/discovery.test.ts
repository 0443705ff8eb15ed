// Discovery of a real SSO: cached per process, and failures reported as SSO_DISCOVERY_FAILED.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { discoverIssuer, isSsoError, SsoError } from '../../client-sdk/node/src/index.ts';
import { startTestSso, type TestSso } from '../support/sso.ts';
import { startFakeIssuer } from './support/fake-issuer.ts';
import { recordingFetch } from './support/http.ts';

describe('discovery', () => {
  let sso: TestSso;

  beforeAll(async () => {
    sso = await startTestSso({ basePath: '/auth' });
  });
  afterAll(async () => {
    await sso?.stop();
  });

  test('an issuer behind a path prefix is discovered once and the result is shared', async () => {
    const recorder = recordingFetch();
    const [a, b] = await Promise.all([
      discoverIssuer(sso.issuer, { allowHttp: true, fetch: recorder.fetch }),
      discoverIssuer(sso.issuer, { allowHttp: true, fetch: recorder.fetch }),
    ]);
    expect(a).toBe(b);
    expect(await discoverIssuer(sso.issuer, { allowHttp: true, fetch: recorder.fetch })).toBe(a);
    expect(recorder.requests.map((r) => r.url)).toEqual([
      `${sso.issuer}/.well-known/openid-configuration`,
    ]);
    expect(a.issuer).toBe(sso.issuer);
    expect(a.metadata.jwks_uri).toBe(`${sso.issuer}/jwks`);
    expect(Object.isFrozen(a)).toBe(true);
    expect(Object.isFrozen(a.metadata)).toBe(true);
  });

  test('an issuer given as a URL object may be a bare origin (URL adds a slash)', async () => {
    const fake = await startFakeIssuer();
    try {
      const issuer = await discoverIssuer(new URL(fake.issuer), { allowHttp: true });
      expect(issuer.issuer).toBe(fake.issuer);
      expect(new URL(fake.issuer).href).toBe(`${fake.issuer}/`);
    } finally {
      await fake.close();
    }
  });

  test('failures are SSO_DISCOVERY_FAILED and are not cached', async () => {
    const cases = [
      // http without allowHttp
      discoverIssuer(sso.issuer),
      // not the issuer's exact identifier
      discoverIssuer(`${sso.issuer}/`, { allowHttp: true }),
      // nothing there
      discoverIssuer(`${new URL(sso.issuer).origin}/elsewhere`, { allowHttp: true }),
      discoverIssuer('http://127.0.0.1:1', { allowHttp: true, timeout: 2 }),
      discoverIssuer('not a url'),
    ];
    for (const attempt of cases) {
      const error: unknown = await attempt.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SsoError);
      expect(isSsoError(error, 'SSO_DISCOVERY_FAILED')).toBe(true);
      expect((error as SsoError).message).toMatch(/^issuer discovery failed: /);
    }
    const recorder = recordingFetch();
    let fail = true;
    const flaky = (url: string, init: RequestInit) =>
      fail ? Promise.reject(new Error('ECONNRESET')) : recorder.fetch(url, init);
    await expect(
      discoverIssuer(sso.issuer, { allowHttp: true, fetch: flaky }),
    ).rejects.toMatchObject({
      code: 'SSO_DISCOVERY_FAILED',
    });
    fail = false;
    await expect(
      discoverIssuer(sso.issuer, { allowHttp: true, fetch: flaky }),
    ).resolves.toMatchObject({
      issuer: sso.issuer,
    });
  });
});
