// What only the embedded backend has to prove: a private file, waiting for another process's lock
// without freezing the process, a clear error for a file that is not a database, and giving space
// back after sweeps.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { holdSqliteLock } from '../../test/support/sqlite-lock.ts';
import { StoreUnavailableError, type Store } from '../store.ts';
import { MIGRATIONS } from './migrations.ts';
import { openSqliteStore, SQLITE_FILE } from './sqlite-store.ts';

describe('embedded store', () => {
  let parent: string;
  let dataDir: string;
  const opened: Store[] = [];

  const open = async (options: Parameters<typeof openSqliteStore>[1] = {}) => {
    const store = openSqliteStore(dataDir, options);
    opened.push(store);
    await store.migrate();
    return store;
  };

  beforeEach(async () => {
    parent = await mkdtemp(join(tmpdir(), 'sso-sqlite-'));
    dataDir = join(parent, 'data');
  });
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    await rm(parent, { recursive: true, force: true });
  });

  const mode = async (path: string) => (await stat(path)).mode & 0o777;

  test('rows written before versions read as version 0 and are replaced by compare-and-swap', async () => {
    await open();
    for (const store of opened.splice(0)) await store.close();
    const raw = new DatabaseSync(join(dataDir, SQLITE_FILE));
    const legacy = { audience: 'https://old.example.com', name: 'Old', scopes: ['read'] };
    raw
      .prepare('INSERT INTO apis (audience, data) VALUES (?, ?)')
      .run(
        legacy.audience,
        JSON.stringify({ ...legacy, accessTokenTtl: 300, createdAt: 1, updatedAt: 1 }),
      );
    raw.close();
    const store = await open();
    const old = await store.apis.get(legacy.audience);
    expect(old?.version).toBe(0);
    expect(await store.apis.replace({ ...old!, name: 'Renamed' })).toBe(true);
    expect(await store.apis.replace({ ...old!, name: 'Stale' })).toBe(false);
    expect(await store.apis.get(legacy.audience)).toMatchObject({ name: 'Renamed', version: 1 });
  });

  test('the data directory is created 0700 and the database files 0600', async () => {
    const store = await open();
    await store.oidc.upsert('Session', 's', { v: 1 }, 60);
    expect(await mode(dataDir)).toBe(0o700);
    for (const file of [SQLITE_FILE, `${SQLITE_FILE}-wal`, `${SQLITE_FILE}-shm`]) {
      expect({ file, mode: await mode(join(dataDir, file)) }).toEqual({ file, mode: 0o600 });
    }
  });

  test('an existing directory others can read gets a warning; an open file is made private', async () => {
    await open();
    for (const store of opened.splice(0)) await store.close();
    await chmod(dataDir, 0o755);
    await chmod(join(dataDir, SQLITE_FILE), 0o644);
    const warnings: { message: string; fields?: Record<string, unknown> }[] = [];
    await open({ log: { warn: (message, fields) => warnings.push({ message, fields }) } });
    expect(warnings).toEqual([
      {
        message: expect.stringMatching(/data directory can be read by other users/),
        fields: { dataDir, mode: '0755' },
      },
    ]);
    expect(await mode(join(dataDir, SQLITE_FILE))).toBe(0o600);
  });

  test("another process's write lock: writes wait without blocking the event loop, then fail as unavailable; reads go on", async () => {
    const store = await open({ lockWaitMs: 800 });
    await store.oidc.upsert('Session', 'before', { v: 1 }, 60);
    const lock = await holdSqliteLock(join(dataDir, SQLITE_FILE));
    try {
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 10);
      const started = Date.now();
      const error = await store.oidc
        .upsert('Session', 'during', { v: 2 }, 60)
        .catch((e: unknown) => e);
      const waited = Date.now() - started;
      clearInterval(ticker);
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as Error).message).toMatch(/locked by another process/);
      expect(waited).toBeGreaterThanOrEqual(800);
      // The timer kept firing while the write waited: the loop was never blocked for long.
      expect(ticks).toBeGreaterThan(20);
      expect(await store.oidc.find('Session', 'before')).toEqual({ v: 1 });
      await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
    } finally {
      await lock.release();
    }
    await store.oidc.upsert('Session', 'after', { v: 3 }, 60);
    expect(await store.oidc.find('Session', 'after')).toEqual({ v: 3 });
    await expect(store.ping()).resolves.toBeUndefined();
  });

  test('a write that meets a short lock waits for it and succeeds', async () => {
    const store = await open({ lockWaitMs: 5000 });
    const lock = await holdSqliteLock(join(dataDir, SQLITE_FILE));
    const write = store.oidc.upsert('Session', 'waited', { v: 1 }, 60);
    setTimeout(() => void lock.release(), 300);
    await write;
    expect(await store.oidc.find('Session', 'waited')).toEqual({ v: 1 });
  });

  test('a file that is not a database is refused with one clear error', async () => {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(dataDir, { mode: 0o700 });
    await writeFile(join(dataDir, SQLITE_FILE), 'this is not a database '.repeat(200), {
      mode: 0o600,
    });
    let error: unknown;
    try {
      await open();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toMatch(/embedded store unavailable: .*not a database/);
  });

  test('records written under the keyed-table schema (step 2) are all still found after the rowid rebuild', async () => {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(dataDir, { mode: 0o700 });
    const raw = new DatabaseSync(join(dataDir, SQLITE_FILE));
    raw.exec('PRAGMA auto_vacuum = INCREMENTAL');
    raw.exec(MIGRATIONS[0]! + MIGRATIONS[1]! + 'PRAGMA user_version = 2;');
    const insert = raw.prepare(`INSERT INTO oidc_records
      (model, id, payload, grant_id, uid, user_code, account_id, client_id, expires_at, consumed_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const later = Date.now() + 600_000;
    insert.run('AccessToken', 'at', '{"v":"at"}', 'g1', null, null, 'alice', 'app', later, null);
    insert.run(
      'AuthorizationCode',
      'code',
      '{"v":"code"}',
      'g1',
      null,
      null,
      'alice',
      'app',
      later,
      Date.now(),
    );
    insert.run('Interaction', 'i', '{"v":"i"}', null, 'uid-1', null, null, null, later, null);
    insert.run('DeviceCode', 'dc', '{"v":"dc"}', null, null, 'WXYZ', null, 'tv', later, null);
    insert.run(
      'Session',
      'gone',
      '{"v":"gone"}',
      null,
      null,
      null,
      null,
      null,
      Date.now() - 1,
      null,
    );
    insert.run('Grant', 'g1', '{"v":"grant"}', null, null, null, 'alice', 'app', null, null);
    raw.close();

    const store = await open();
    expect(await store.oidc.find('AccessToken', 'at')).toEqual({ v: 'at' });
    expect(await store.oidc.find('AuthorizationCode', 'code')).toMatchObject({
      v: 'code',
      consumed: expect.any(Number),
    });
    expect(await store.oidc.findByUid('Interaction', 'uid-1')).toEqual({ v: 'i' });
    expect(await store.oidc.findByUserCode('DeviceCode', 'WXYZ')).toEqual({ v: 'dc' });
    expect(await store.oidc.find('Session', 'gone')).toBeUndefined();
    expect(await store.oidc.find('Grant', 'g1')).toEqual({ v: 'grant' });
    expect((await store.oidc.listByAccountId('AccessToken', 'alice')).map((r) => r.id)).toEqual([
      'at',
    ]);
    // The key is still unique: a second write of a key replaces the row.
    await store.oidc.upsert('AccessToken', 'at', { v: 'at2', accountId: 'alice' }, 60);
    expect(await store.oidc.find('AccessToken', 'at')).toEqual({ v: 'at2', accountId: 'alice' });
    expect(await store.oidc.insertIfAbsent('AccessToken', 'at', { v: 'at3' }, 60)).toBe(false);
    expect(await store.oidc.revokeByGrantId('AuthorizationCode', 'g1')).toBe(1);
    expect(await store.oidc.destroyByClientId('tv')).toBe(1);
    expect(await store.oidc.findByUserCode('DeviceCode', 'WXYZ')).toBeUndefined();
    expect(await store.oidc.destroyByAccountId('alice')).toBe(2);
    expect(await store.oidc.find('Grant', 'g1')).toBeUndefined();
  });

  test('finds of one id under several models at once each get their own record, as a copy', async () => {
    const store = await open();
    await store.oidc.upsert('ClientCredentials', 'same', { v: 'cc' }, 60);
    await store.oidc.upsert('RefreshToken', 'same', { v: 'rt' }, 60);
    await store.oidc.consume('RefreshToken', 'same');
    await store.oidc.upsert('Session', 'same', { v: 'expired' }, 1);
    await store.oidc.upsert('AccessToken', 'other', { v: 'at' }, 60);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const [at, cc, rt, session, again, other] = await Promise.all([
      store.oidc.find('AccessToken', 'same'),
      store.oidc.find('ClientCredentials', 'same'),
      store.oidc.find('RefreshToken', 'same'),
      store.oidc.find('Session', 'same'),
      store.oidc.find('ClientCredentials', 'same'),
      store.oidc.find('AccessToken', 'other'),
    ]);
    expect(at).toBeUndefined();
    expect(cc).toEqual({ v: 'cc' });
    expect(rt).toEqual({ v: 'rt', consumed: expect.any(Number) });
    expect(session).toBeUndefined();
    expect(other).toEqual({ v: 'at' });
    expect(again).toEqual(cc);
    expect(again).not.toBe(cc);
  });

  test('every oidc record lookup is answered from an index, none by scanning the table', async () => {
    await open();
    for (const store of opened.splice(0)) await store.close();
    const raw = new DatabaseSync(join(dataDir, SQLITE_FILE));
    const live = '(expires_at IS NULL OR expires_at > 1)';
    const lookups = [
      `SELECT payload FROM oidc_records WHERE model = 'A' AND id = 'x' AND ${live}`,
      `SELECT payload FROM oidc_records WHERE id = 'x' AND model IN ('A', 'B', 'C') AND ${live}`,
      `SELECT payload FROM oidc_records WHERE model = 'A' AND uid = 'x' AND ${live}`,
      `SELECT payload FROM oidc_records WHERE model = 'A' AND user_code = 'x' AND ${live}`,
      `SELECT id FROM oidc_records WHERE account_id = 'x' AND model = 'A' AND ${live}`,
      `DELETE FROM oidc_records WHERE model = 'A' AND grant_id = 'x'`,
      `DELETE FROM oidc_records WHERE account_id = 'x'`,
      `DELETE FROM oidc_records WHERE client_id = 'x'`,
      `DELETE FROM oidc_records WHERE expires_at IS NOT NULL AND expires_at <= 1`,
    ];
    const plans = lookups.map((sql) => ({
      sql,
      plan: (raw.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[])
        .map((row) => row.detail)
        .join('; '),
    }));
    raw.close();
    for (const { sql, plan } of plans) {
      expect({ sql, plan }).toEqual({
        sql,
        plan: expect.stringMatching(/USING (COVERING )?INDEX/),
      });
      expect({ sql, plan }).toEqual({ sql, plan: expect.not.stringMatching(/^SCAN/) });
    }
  });

  test('a sweep gives the space of expired records back to the file system', async () => {
    const store = await open();
    const big = { blob: 'x'.repeat(16_000) };
    for (let i = 0; i < 300; i++) await store.oidc.upsert('Interaction', `i${i}`, big, 3);
    const expiresAt = Date.now() + 3000; // the last record's expiry, at the latest
    const size = async () => {
      const files = [SQLITE_FILE, `${SQLITE_FILE}-wal`];
      const sizes = await Promise.all(
        files.map((file) => stat(join(dataDir, file)).then((s) => s.size)),
      );
      return sizes.reduce((a, b) => a + b, 0);
    };
    const full = await size();
    expect(full).toBeGreaterThan(4_000_000);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt - Date.now()) + 100));
    expect(await store.sweepExpired()).toBe(300);
    expect(await size()).toBeLessThan(full / 10);
  });
});
