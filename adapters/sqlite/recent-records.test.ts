// The embedded store answers a find it has answered before from memory (SqliteOidcRecords.find).
// What a user of the store must still see: every change, whoever makes it. A revocation made with
// the CLI (another process, another connection to the same file) counts at once, as does one made
// through this store, a record that expires, and a change that lands while a find is being answered.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { Store } from '../store.ts';
import { openSqliteStore, SQLITE_FILE } from './sqlite-store.ts';

const token = (grantId: string, clientId = 'c1') => ({
  kind: 'AccessToken',
  grantId,
  clientId,
  accountId: 'a1',
  scope: 'openid',
});

describe('embedded store: records kept in memory', () => {
  let dataDir: string;
  let store: Store;
  // Another process's view of the same file (the CLI opens its own store like this).
  let other: Store;
  const opened: Store[] = [];

  const open = async () => {
    const opening = openSqliteStore(dataDir);
    opened.push(opening);
    await opening.migrate();
    return opening;
  };

  // Finds `id` until it is answered from memory: the first find reads the table, the next ones
  // answer from what it kept (the very first check of other connections' commits drops it once).
  const keep = async (model: 'AccessToken' | 'RefreshToken', id: string) => {
    for (let i = 0; i < 3; i++) await store.oidc.find(model, id);
  };

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sso-recent-'));
    store = await open();
    other = await open();
  });
  afterEach(async () => {
    for (const each of opened.splice(0)) await each.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('a token revoked, consumed or replaced through another connection is seen at the next find', async () => {
    await store.oidc.upsert('AccessToken', 'revoked', token('g1'), 60);
    await store.oidc.upsert('AccessToken', 'consumed', token('g2'), 60);
    await store.oidc.upsert('AccessToken', 'replaced', token('g3'), 60);
    await store.oidc.upsert('AccessToken', 'by-grant', token('g4'), 60);
    for (const id of ['revoked', 'consumed', 'replaced', 'by-grant']) {
      await keep('AccessToken', id);
      expect(await store.oidc.find('AccessToken', id)).toMatchObject({ clientId: 'c1' });
    }

    await other.oidc.destroy('AccessToken', 'revoked');
    expect(await store.oidc.find('AccessToken', 'revoked')).toBeUndefined();

    await keep('AccessToken', 'consumed');
    await other.oidc.consume('AccessToken', 'consumed');
    expect((await store.oidc.find('AccessToken', 'consumed'))?.consumed).toEqual(
      expect.any(Number),
    );

    await keep('AccessToken', 'replaced');
    await other.oidc.upsert('AccessToken', 'replaced', token('g3', 'c2'), 60);
    expect(await store.oidc.find('AccessToken', 'replaced')).toMatchObject({ clientId: 'c2' });

    await keep('AccessToken', 'by-grant');
    await other.oidc.revokeByGrantId('AccessToken', 'g4');
    expect(await store.oidc.find('AccessToken', 'by-grant')).toBeUndefined();
  });

  test('a token another connection creates after a find found none is found', async () => {
    await keep('RefreshToken', 'later');
    expect(await store.oidc.find('RefreshToken', 'later')).toBeUndefined();
    await other.oidc.upsert('RefreshToken', 'later', { kind: 'RefreshToken', clientId: 'c1' }, 60);
    expect(await store.oidc.find('RefreshToken', 'later')).toMatchObject({ clientId: 'c1' });
  });

  test('changes made through this store are seen at the next find, single and bulk', async () => {
    const ids = ['consume', 'destroy', 'grant', 'account', 'client', 'upsert'];
    const payloads: Record<string, ReturnType<typeof token>> = {
      consume: token('g1'),
      destroy: token('g2'),
      grant: token('g3'),
      account: { ...token('g4'), accountId: 'gone' },
      client: token('g5', 'removed-client'),
      upsert: token('g6'),
    };
    for (const id of ids) {
      await store.oidc.upsert('AccessToken', id, payloads[id]!, 60);
      await keep('AccessToken', id);
    }
    // One record at a time (checked before any change by grant, account or client, which drop all).
    await store.oidc.consume('AccessToken', 'consume');
    await store.oidc.destroy('AccessToken', 'destroy');
    await store.oidc.upsert('AccessToken', 'upsert', { ...token('g6'), scope: 'openid email' }, 60);
    expect((await store.oidc.find('AccessToken', 'consume'))?.consumed).toEqual(expect.any(Number));
    expect(await store.oidc.find('AccessToken', 'destroy')).toBeUndefined();
    expect(await store.oidc.find('AccessToken', 'upsert')).toMatchObject({ scope: 'openid email' });

    await store.oidc.revokeByGrantId('AccessToken', 'g3');
    await store.oidc.destroyByAccountId('gone');
    await store.oidc.destroyByClientId('removed-client');
    for (const id of ['grant', 'account', 'client']) {
      expect(await store.oidc.find('AccessToken', id)).toBeUndefined();
    }
    // A second presentation of a consumed one-time record is refused by the store itself.
    expect(await store.oidc.consume('AccessToken', 'consume')).toBe(false);
  });

  test('a kept record stops being found when it expires', async () => {
    // Three seconds to live: time enough to keep it on a busy machine.
    await store.oidc.upsert('AccessToken', 'short', token('g1'), 3);
    await keep('AccessToken', 'short');
    expect(await store.oidc.find('AccessToken', 'short')).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 3200));
    expect(await store.oidc.find('AccessToken', 'short')).toBeUndefined();
  });

  test('each find of a kept record gets its own copy', async () => {
    await store.oidc.upsert('AccessToken', 'copy', token('g1'), 60);
    await keep('AccessToken', 'copy');
    const first = await store.oidc.find('AccessToken', 'copy');
    first!.scope = 'changed by the caller';
    expect(await store.oidc.find('AccessToken', 'copy')).toMatchObject({ scope: 'openid' });
  });

  test('a find answered while another connection deletes the record does not keep what it read', async () => {
    await store.oidc.upsert('AccessToken', 'raced', token('g1'), 60);
    await store.oidc.upsert('AccessToken', 'kept', token('g2'), 60);
    await keep('AccessToken', 'kept');
    const raw = new DatabaseSync(join(dataDir, SQLITE_FILE));
    try {
      raw.exec('PRAGMA busy_timeout = 2000');
      // The find reads the table in a microtask; before its answer is kept, another connection
      // deletes the record and a find of a kept record notices that commit.
      const raced = store.oidc.find('AccessToken', 'raced');
      queueMicrotask(() => {
        raw.prepare("DELETE FROM oidc_records WHERE id = 'raced'").run();
        void store.oidc.find('AccessToken', 'kept');
      });
      expect(await raced).toMatchObject({ grantId: 'g1' });
    } finally {
      raw.close();
    }
    expect(await store.oidc.find('AccessToken', 'raced')).toBeUndefined();
  });
});
