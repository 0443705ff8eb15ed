// Expiry where the server has TTL indexes, and where it refuses them (FerretDB 1.x refuses them by
// itself; on other servers a conflicting index planted beforehand makes them refuse).
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import type { IndexDescriptionInfo, MongoClient } from 'mongodb';
import {
  describeIfMongo,
  dropMongoDatabase,
  freshMongoStore,
  mongoTestClient,
  mongoTestUri,
} from '../../test/support/mongodb-server.ts';
import { OIDC_MODELS } from '../store.ts';
import type { OidcDoc } from './collections.ts';
import { openMongoStore } from './mongodb-store.ts';
import { EXPIRING_COLLECTIONS, TTL_INDEX } from './schema.ts';

describeIfMongo('MongoDB store: expiry', () => {
  let client: MongoClient;

  beforeAll(async () => {
    client = await mongoTestClient();
  });
  afterAll(async () => {
    await client.close();
  });

  test('migrate creates a TTL index on every expiring collection, or warns exactly once', async () => {
    const warnings: string[] = [];
    const { store, dbName, dispose } = await freshMongoStore({
      log: { warn: (message) => warnings.push(message) },
    });
    try {
      await store.migrate();
      const indexes = (await client
        .db(dbName)
        .collection('oidc_Session')
        .listIndexes()
        .toArray()) as IndexDescriptionInfo[];
      const ttl = indexes.find((index) => index.name === TTL_INDEX);
      if (ttl) {
        expect(ttl).toMatchObject({ key: { expiresAt: 1 }, expireAfterSeconds: 0 });
        expect(warnings).toEqual([]);
        expect(store.sweepsExpired).toBe(false);
      } else {
        expect(warnings).toHaveLength(1);
        expect(store.sweepsExpired).toBe(true);
      }
    } finally {
      await dispose();
    }
  });

  // The refusal is provoked with a conflicting index of the same name, which MongoDB and FerretDB
  // refuse to replace; mongo-java-server accepts it silently, so this case cannot be made there.
  const canProvokeRefusal = process.env.SSO_TEST_MONGODB_SERVER !== 'mongo-java-server';
  (canProvokeRefusal ? test : test.skip)(
    'where TTL indexes are refused: one warning, and a periodic sweep removes expired records',
    async () => {
      const uri = mongoTestUri()!;
      const dbName = `sso_test_${randomBytes(6).toString('hex')}`;
      const db = client.db(dbName);
      // An index of that name on another key: no server will create our TTL index over it.
      for (const name of EXPIRING_COLLECTIONS) {
        await db.collection(name).createIndex({ expiresAt: -1 }, { name: TTL_INDEX });
      }
      const warnings: { message: string; fields?: Record<string, unknown> }[] = [];
      const store = await openMongoStore(uri, {
        dbName,
        sweepIntervalMs: 100,
        log: { warn: (message, fields) => warnings.push({ message, fields }) },
      });
      try {
        // Expired records written before the store starts sweeping, so that counting them first
        // races nothing.
        const past = new Date(Date.now() - 60_000);
        for (const model of OIDC_MODELS) {
          await db
            .collection<OidcDoc>(`oidc_${model}`)
            .insertOne({ _id: 'old', payload: '{"v":1}', rev: 'r', expiresAt: past });
        }
        await store.oidc.upsert('Session', 'live', { v: 2 }, 60);
        await store.oidc.upsert('Session', 'forever', { v: 3 });
        const remaining = async () =>
          (
            await Promise.all(OIDC_MODELS.map((m) => db.collection(`oidc_${m}`).countDocuments()))
          ).reduce((a, b) => a + b, 0);
        expect(await remaining()).toBe(OIDC_MODELS.length + 2);

        await store.migrate();
        await store.migrate();
        expect(warnings).toHaveLength(1);
        expect(warnings[0]?.message).toMatch(/refused TTL indexes/);
        expect(warnings[0]?.fields).toMatchObject({ sweepIntervalMs: 100 });
        expect(store.sweepsExpired).toBe(true);
        const deadline = Date.now() + 10_000;
        while ((await remaining()) > 2 && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        expect(await remaining()).toBe(2); // nobody called sweepExpired(): the timer did
        expect(await store.oidc.find('Session', 'live')).toEqual({ v: 2 });
        expect(await store.oidc.find('Session', 'forever')).toEqual({ v: 3 });
        expect(warnings).toHaveLength(1);
      } finally {
        await store.close();
        await dropMongoDatabase(uri, dbName);
      }
    },
  );
});
