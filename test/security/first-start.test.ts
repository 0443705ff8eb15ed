// Two instances starting at once on an empty store both find no signing keys and both create a set.
// A gate in front of the real store holds each instance's key creation until both have reached it,
// so the race happens on every run; exactly one set must result, and both instances publish it.
import { afterAll, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KeySetKind, Store, StoredKey } from '../../adapters/store.ts';
import { loadConfig } from '../../provider/config.ts';
import { MASTER_KEY_FILE, newMasterKeyText, writeKeyFile } from '../../provider/keys/master-key.ts';
import { createLogger } from '../../provider/log.ts';
import { openStore } from '../../provider/store.ts';
import { delegate, ReadGate } from '../support/gate.ts';
import { dropMongoDatabase, mongoTestUri } from '../support/mongodb-server.ts';
import { describeEachBackend, startTestSso, type TestSso } from '../support/sso.ts';

describeEachBackend('first start of two instances at once (%s store)', (backend) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  test('both reach key creation together; one key set results, and both publish it', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sso-first-start-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const env: Record<string, string> = {
      SSO_DATA_DIR: dataDir,
      SSO_MASTER_KEY: newMasterKeyText(),
    };
    if (backend === 'mongodb') {
      const dbName = `sso_test_first_${randomBytes(4).toString('hex')}`;
      env.MONGODB_URI = `${mongoTestUri()!.replace(/\/?$/, '/')}${dbName}`;
      cleanups.push(() => dropMongoDatabase(mongoTestUri()!, dbName));
    }
    const config = loadConfig(env);
    const log = createLogger('silent');
    const gate = new ReadGate();
    gate.arm(2);
    let creations = 0;
    const gated = async (): Promise<Store> => {
      const store = await openStore(config, log);
      await store.migrate();
      return delegate(store, {
        keySets: delegate(store.keySets, {
          create: async (kind: KeySetKind, keys: StoredKey[]) => {
            if (kind === 'signing') {
              creations++;
              await gate.pass();
            }
            return store.keySets.create(kind, keys);
          },
        }),
      });
    };
    const stores = [await gated(), await gated()];
    const instances: TestSso[] = await Promise.all(
      stores.map((store) => startTestSso({ store, env })),
    );
    cleanups.push(async () => {
      for (const instance of instances) await instance.stop();
    });

    expect(creations).toBe(2);
    const published = await Promise.all(
      instances.map(async (instance) =>
        (
          (await (await fetch(`${instance.issuer}/jwks`)).json()) as { keys: { kid: string }[] }
        ).keys
          .map((key) => key.kid)
          .sort(),
      ),
    );
    expect(published[0]).toHaveLength(2);
    expect(published[1]).toEqual(published[0]);
    const stored = await instances[0]!.store.keySets.get('signing');
    expect(stored?.version).toBe(1);
    expect(stored?.keys.map((key) => key.kid).sort()).toEqual(published[0]);
  });
});

// The embedded store's master key file is made by whichever instance starts first; another one
// starting at the same moment reads it. The file is written whole under a temporary name and then
// linked into place, so it never exists without its key (crash.test.ts once met an empty one when
// two instances started together on a fresh directory: "must be 32 random bytes").
test('creating the master key file: of two at once one wins whole, an existing key is kept, no temporary file is left', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sso-key-race-'));
  try {
    for (let round = 0; round < 20; round++) {
      const path = join(dir, `${round}-${MASTER_KEY_FILE}`);
      const keys = [newMasterKeyText(), newMasterKeyText()];
      await Promise.all(keys.map((key) => writeKeyFile(path, key)));
      const winner = (await readFile(path, 'utf8')).trim();
      expect(keys).toContain(winner);
      await writeKeyFile(path, newMasterKeyText());
      expect((await readFile(path, 'utf8')).trim()).toBe(winner);
      const replacement = newMasterKeyText();
      await writeKeyFile(path, replacement, true);
      expect((await readFile(path, 'utf8')).trim()).toBe(replacement);
      expect((await stat(path)).mode & 0o777).toBe(0o600);
    }
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
