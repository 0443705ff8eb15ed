// What the contract suite cannot see: how the MongoDB store lays out documents and indexes, and how
// its single-use decisions hold where a server's conditional updates are not atomic.
import { afterAll, afterEach, beforeAll, beforeEach, expect, test } from '@jest/globals';
import type { Db, IndexDescriptionInfo, MongoClient } from 'mongodb';
import {
  describeIfMongo,
  freshMongoStore,
  mongoTestClient,
} from '../../test/support/mongodb-server.ts';
import { StoreUnavailableError } from '../store.ts';
import type { KeySetDoc } from './collections.ts';
import type { MongoStore } from './mongodb-store.ts';
import { SINGLE_USE_MARK_LIFETIME_MS } from './single-use.ts';

describeIfMongo('MongoDB store: documents, indexes, single use', () => {
  let client: MongoClient;
  let store: MongoStore;
  let db: Db;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    client = await mongoTestClient();
  });
  afterAll(async () => {
    await client.close();
  });
  beforeEach(async () => {
    const fresh = await freshMongoStore();
    ({ store, dispose } = fresh);
    db = client.db(fresh.dbName);
  });
  afterEach(async () => {
    await dispose();
  });

  test('oidc records are stored opaquely under their own string id, side fields beside them', async () => {
    const payload = { accountId: 'acc', grantId: 'g', 'https://api.example.com': { $x: 1 } };
    await store.oidc.upsert('AccessToken', 'tok-1', payload, 60);
    const doc = await db.collection('oidc_AccessToken').findOne({ _id: 'tok-1' as never });
    expect(doc).toMatchObject({
      _id: 'tok-1',
      payload: JSON.stringify(payload),
      accountId: 'acc',
      grantId: 'g',
    });
    expect(typeof (doc?.expiresAt as Date | undefined)?.getTime).toBe('function');
    expect(doc).not.toHaveProperty('uid');
    await store.oidc.upsert('Client', 'c', { client_id: 'c' });
    expect(await db.collection('oidc_Client').findOne({ _id: 'c' as never })).not.toHaveProperty(
      'expiresAt',
    );
  });

  test('client metadata is stored as JSON; accounts and APIs as plain fields keyed by _id', async () => {
    await store.clients.create({
      clientId: 'web.app',
      metadata: { client_id: 'web.app', 'urn:x.y': { 'a.b': 1 } },
      firstParty: true,
      allowedApis: [],
      createdAt: 1,
      updatedAt: 1,
      version: 1,
    });
    expect(await db.collection('clients').findOne()).toMatchObject({
      _id: 'web.app',
      metadata: '{"client_id":"web.app","urn:x.y":{"a.b":1}}',
      firstParty: true,
    });
    await store.accounts.create({
      id: 'a-1',
      username: 'ann',
      emailVerified: false,
      groups: [],
      disabled: false,
      createdAt: 1,
      updatedAt: 1,
      version: 1,
    });
    const account = await db.collection('accounts').findOne();
    expect(account).toMatchObject({ _id: 'a-1', username: 'ann' });
    expect(account).not.toHaveProperty('email'); // absent, not null: the sparse index skips it
  });

  test('documents written before versions read as version 0 and are replaced by compare-and-swap', async () => {
    await db.collection('apis').insertOne({
      _id: 'https://old.example.com' as never,
      name: 'Old',
      scopes: ['read'],
      accessTokenTtl: 300,
      createdAt: 1,
      updatedAt: 1,
    });
    const old = await store.apis.get('https://old.example.com');
    expect(old?.version).toBe(0);
    expect(await store.apis.replace({ ...old!, name: 'Renamed' })).toBe(true);
    expect(await store.apis.replace({ ...old!, name: 'Stale' })).toBe(false);
    expect(await store.apis.get('https://old.example.com')).toMatchObject({
      name: 'Renamed',
      version: 1,
    });
  });

  test('migrate creates every lookup index, and running it again changes nothing', async () => {
    const indexes = async (collection: string) =>
      (await db.collection(collection).listIndexes().toArray()) as IndexDescriptionInfo[];
    const names = async (collection: string) =>
      (await indexes(collection)).map((i) => String(i.name)).sort();
    const before = {
      session: await names('oidc_Session'),
      accounts: await names('accounts'),
      keySets: await names('key_sets'),
    };
    expect(before.session).toEqual(
      expect.arrayContaining(['_id_', 'accountId', 'grantId', 'uid', 'userCode']),
    );
    expect(before.accounts).toEqual(['_id_', 'email_unique', 'passkey_id', 'username_unique']);
    expect(before.keySets).toEqual(['_id_', 'kind_version']);
    await store.migrate();
    await store.migrate();
    expect(await names('oidc_Session')).toEqual(before.session);
    expect(await names('accounts')).toEqual(before.accounts);
    // (FerretDB 1.24 accepts `sparse` but does not report it; it never indexes a missing field.)
    const accountIndexes = await indexes('accounts');
    expect(accountIndexes.find((i) => i.name === 'email_unique')).toMatchObject({ unique: true });
  });

  test('consume: without atomic updates its single-use mark decides; with them the conditional write alone', async () => {
    // Another caller has already passed the conditional update and placed its mark for this version
    // of the record, as can happen where the update is not atomic (FerretDB 1.x).
    await store.oidc.upsert('AuthorizationCode', 'code', { grantId: 'g' }, 60);
    const { rev } = (await db.collection('oidc_AuthorizationCode').findOne()) as { rev?: string };
    await db.collection('oidc_single_use').insertOne({
      _id: `consume:AuthorizationCode:code:${rev}` as never,
      expiresAt: new Date(Date.now() + SINGLE_USE_MARK_LIFETIME_MS),
    });
    // Where updates are atomic no other caller can have passed the update, so no mark is consulted.
    const markDecides = !store.traits.atomicUpdates;
    expect(await store.oidc.consume('AuthorizationCode', 'code')).toBe(!markDecides);
    // Either way the record is then spent.
    expect(await store.oidc.consume('AuthorizationCode', 'code')).toBe(false);
    // A new version of the record (upsert) is a new decision.
    await store.oidc.upsert('AuthorizationCode', 'code', { grantId: 'g' }, 60);
    expect(await store.oidc.consume('AuthorizationCode', 'code')).toBe(true);
  });

  test('an expired record is replaced by exactly one of several concurrent insertIfAbsent calls', async () => {
    await store.oidc.insertIfAbsent('ReplayDetection', 'jti', { iss: 'old' }, 0.05);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        store.oidc.insertIfAbsent('ReplayDetection', 'jti', { iss: `new-${i}` }, 60),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results.indexOf(true);
    expect(await store.oidc.find('ReplayDetection', 'jti')).toEqual({ iss: `new-${winner}` });
  });

  test('superseded key set versions keep their number but lose their keys', async () => {
    const key = (kid: string) => ({
      kid,
      jwk: { kty: 'oct', k: kid },
      createdAt: 1,
      activatesAt: 1,
    });
    await store.keySets.create('cookie', [key('k1')]);
    await store.keySets.replace('cookie', 1, [key('k2')]);
    const versions = await db
      .collection<KeySetDoc>('key_sets')
      .find()
      .sort({ version: 1 })
      .toArray();
    expect(versions.map((v) => [v._id, v.keys])).toEqual([
      ['cookie:1', '[]'],
      ['cookie:2', JSON.stringify([key('k2')])],
    ]);
    expect(await store.keySets.replace('cookie', 1, [key('k3')])).toBeUndefined();
  });

  test('a closed store answers StoreUnavailableError', async () => {
    await store.close();
    await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.oidc.find('Session', 'x')).rejects.toMatchObject({
      code: 'store_unavailable',
    });
  });
});
