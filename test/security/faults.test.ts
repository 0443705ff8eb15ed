// The embedded store under faults, with the service running: another process holding the database
// lock, and the file damaged underneath. Requests that need the store get 503 quickly; discovery
// and JWKS, which do not, keep answering at once; /readyz says so (/healthz, liveness, does not).
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { SQLITE_FILE } from '../../adapters/sqlite/sqlite-store.ts';
import { holdSqliteLock } from '../support/sqlite-lock.ts';
import { startTestSso, type TestSso } from '../support/sso.ts';

describe('embedded store faults, while serving', () => {
  let sso: TestSso;
  let basic: string;

  beforeEach(async () => {
    sso = await startTestSso();
    const worker = await sso.client({ type: 'confidential', grantTypes: ['client_credentials'] });
    basic = `Basic ${Buffer.from(`${worker.clientId}:${worker.secret}`).toString('base64')}`;
  });
  afterEach(async () => {
    await sso.stop();
  });

  const timed = async (path: string, init: RequestInit = {}) => {
    const started = Date.now();
    const response = await fetch(`${sso.issuer}${path}`, init);
    const body = await response.text();
    return { status: response.status, ms: Date.now() - started, body };
  };
  const token = () =>
    timed('/token', {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });

  test('another process holding the write lock: 503 within about a second, discovery and JWKS at once', async () => {
    expect((await token()).status).toBe(200);
    const lock = await holdSqliteLock(join(sso.config.dataDir, SQLITE_FILE));
    try {
      // Several requests wait for the lock at the same time; meanwhile the process answers.
      const waiting = Promise.all(Array.from({ length: 5 }, () => token()));
      await new Promise((resolve) => setTimeout(resolve, 100));
      const [discovery, jwks] = await Promise.all([
        timed('/.well-known/openid-configuration'),
        timed('/jwks'),
      ]);
      expect(discovery).toMatchObject({ status: 200 });
      expect(jwks).toMatchObject({ status: 200 });
      expect(discovery.ms).toBeLessThan(500);
      expect(jwks.ms).toBeLessThan(500);
      for (const refused of await waiting) {
        expect(refused.status).toBe(503);
        expect(JSON.parse(refused.body)).toMatchObject({ error: 'temporarily_unavailable' });
        expect(refused.ms).toBeLessThan(4000);
      }
      const ready = await timed('/readyz');
      expect(ready.status).toBe(503);
      expect(JSON.parse(ready.body)).toEqual({
        status: 'unavailable',
        store: 'sqlite',
        error: 'temporarily_unavailable',
        checks: { store: 'unavailable', signingKeys: 'ok' },
      });
      // Liveness: the process itself is fine, so nothing should restart it.
      expect((await timed('/healthz')).status).toBe(200);
    } finally {
      await lock.release();
    }
    expect((await token()).status).toBe(200);
    expect((await timed('/readyz')).status).toBe(200);
  });

  test('a file damaged underneath: /readyz notices, requests that need the store get 503, discovery and JWKS go on', async () => {
    expect((await token()).status).toBe(200);
    await sso.store.sweepExpired(); // everything checkpointed into the main file
    const file = await open(join(sso.config.dataDir, SQLITE_FILE), 'r+');
    try {
      const { size } = await file.stat();
      await file.write(Buffer.alloc(size, 0x5a), 0, size, 0);
    } finally {
      await file.close();
    }
    const health = await timed('/readyz');
    expect(health.status).toBe(503);
    const refused = await token();
    expect(refused.status).toBe(503);
    expect(refused.ms).toBeLessThan(1000);
    expect(JSON.parse(refused.body)).toMatchObject({ error: 'temporarily_unavailable' });
    expect((await timed('/.well-known/openid-configuration')).status).toBe(200);
    expect((await timed('/jwks')).status).toBe(200);
    expect(health.body + refused.body).not.toMatch(/\bat .*\.(js|ts):\d+/);
  });
});
