// Liveness and readiness as a load balancer and a container runtime see them: /readyz answers 200
// only while the store answers and signing keys are loaded; /healthz stays 200 while the process
// serves. (The store locked or unreachable: test/security/faults.test.ts, test/mongodb/outage.)
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { startTestSso, type TestSso } from '../support/sso.ts';

describe('/healthz and /readyz', () => {
  let sso: TestSso;
  beforeEach(async () => {
    sso = await startTestSso();
  });
  afterEach(async () => {
    await sso.stop();
  });

  test('a started server is live and ready, and neither answer is cached', async () => {
    const ready = await fetch(`${sso.issuer}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.headers.get('cache-control')).toBe('no-store');
    expect(await ready.json()).toEqual({
      status: 'ready',
      store: 'sqlite',
      checks: { store: 'ok', signingKeys: 'ok' },
    });
    const live = await fetch(`${sso.issuer}/healthz`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok', store: 'sqlite' });
  });

  test('without a signing key that can sign, /readyz is 503 while /healthz stays 200', async () => {
    // Every key of the set expired (as after a botched manual edit of the store).
    const set = (await sso.store.keySets.get('signing'))!;
    const past = Date.now() - 60_000;
    const expired = set.keys.map((key) => ({ ...key, retiresAt: past, expiresAt: past }));
    expect(await sso.store.keySets.replace('signing', set.version, expired)).toBeDefined();
    await sso.engine.refresh().catch(() => undefined);

    const ready = await fetch(`${sso.issuer}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({
      status: 'unavailable',
      store: 'sqlite',
      error: 'temporarily_unavailable',
      checks: { store: 'ok', signingKeys: 'missing' },
    });
    expect((await fetch(`${sso.issuer}/healthz`)).status).toBe(200);
  });

  test('under a path prefix both answer there', async () => {
    const prefixed = await startTestSso({ basePath: '/auth' });
    try {
      expect((await fetch(`${prefixed.issuer}/readyz`)).status).toBe(200);
      expect((await fetch(`${prefixed.issuer}/healthz`)).status).toBe(200);
    } finally {
      await prefixed.stop();
    }
  });
});
