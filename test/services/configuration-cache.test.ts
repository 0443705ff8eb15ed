// The engine's in-memory clients and APIs (provider/clients/configuration-cache.ts): served without a
// store read while nothing changed, and a change made anywhere (this instance, another instance, the
// CLI in another process) is seen within about a second.
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openSqliteStore } from '../../adapters/sqlite/sqlite-store.ts';
import type { ClientRecord, Store } from '../../adapters/store.ts';
import { ConfigurationCache } from '../../provider/clients/configuration-cache.ts';
import { cliSandboxFor, expectJson } from '../cli/cli-process.ts';
import { describeEachBackend, startTestSso, type Backend, type TestSso } from '../support/sso.ts';

const client = (clientId: string, name: string, version = 1): ClientRecord => ({
  clientId,
  metadata: { client_id: clientId, client_name: name },
  firstParty: false,
  allowedApis: [],
  version,
  createdAt: 1,
  updatedAt: 1,
});

describe('the configuration cache over one embedded store shared by two instances', () => {
  let dir: string;
  let store: Store;
  let time = 1_000_000;
  const now = () => time;
  const settle = async (cache: ConfigurationCache) => {
    await cache.settled();
    await sleep(0);
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sso-config-cache-'));
    store = openSqliteStore(dir);
    await store.migrate();
  });
  afterAll(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('an unchanged client is served from memory; another instance’s change is seen at the next stamp read', async () => {
    const here = new ConfigurationCache(store, { now, pollMs: 500 });
    const there = new ConfigurationCache(store, { now, pollMs: 500 });
    await there.store.clients.create(client('shared', 'One'));
    // The first read starts the stamp read; once it has answered, what is read is kept.
    await here.engineStore.clients.get('shared');
    await settle(here);
    expect((await here.engineStore.clients.get('shared'))?.metadata.client_name).toBe('One');

    // A write straight to the store, which moves no stamp, is not seen: the read is served from
    // memory (this is what makes the hot path store-free).
    await store.clients.replace(client('shared', 'Unstamped'));
    time += 100;
    expect((await here.engineStore.clients.get('shared'))?.metadata.client_name).toBe('One');

    // A write through another instance moves the stamp: seen once this instance reads it again.
    await there.store.clients.replace(client('shared', 'Two', 2));
    time += 100;
    expect((await here.engineStore.clients.get('shared'))?.metadata.client_name).toBe('One');
    time += 500;
    await here.engineStore.clients.get('shared'); // starts the stamp read
    await settle(here);
    expect((await here.engineStore.clients.get('shared'))?.metadata.client_name).toBe('Two');

    // Removal through the other instance: unknown here after the next stamp read.
    await there.store.clients.delete('shared');
    time += 600;
    await here.engineStore.clients.get('shared');
    await settle(here);
    expect(await here.engineStore.clients.get('shared')).toBeUndefined();
  });

  test('a change made through the same instance is seen at once, and cached records cannot be changed by a caller', async () => {
    const cache = new ConfigurationCache(store, { now });
    await cache.store.apis.create({
      audience: 'https://api.example.test',
      scopes: ['read'],
      accessTokenTtl: 60,
      createdAt: 1,
      updatedAt: 1,
      version: 1,
    });
    await cache.engineStore.apis.get('https://api.example.test');
    await settle(cache);
    const cached = (await cache.engineStore.apis.get('https://api.example.test'))!;
    expect(() => cached.scopes.push('write')).toThrow(TypeError);
    await cache.store.apis.replace({ ...cached, scopes: ['read', 'write'] });
    expect((await cache.engineStore.apis.get('https://api.example.test'))?.scopes).toEqual([
      'read',
      'write',
    ]);
  });

  test('when the stamp cannot be read for longer than the trust period, reads go to the store', async () => {
    const cache = new ConfigurationCache(store, { now, pollMs: 500, trustMs: 2000 });
    await store.clients.create(client('lapsed', 'Before'));
    await cache.engineStore.clients.get('lapsed');
    await settle(cache);
    await cache.engineStore.clients.get('lapsed'); // kept from here on
    await store.clients.replace(client('lapsed', 'After'));
    expect((await cache.engineStore.clients.get('lapsed'))?.metadata.client_name).toBe('Before');
    // No read at all for longer than the trust period (as while the stamp reads fail): the next
    // read does not trust what it holds.
    time += 2500;
    expect((await cache.engineStore.clients.get('lapsed'))?.metadata.client_name).toBe('After');
  });
});

describeEachBackend(
  'a running server and the CLI in another process (%s store)',
  (backend: Backend) => {
    let sso: TestSso;
    afterEach(async () => {
      await sso?.stop();
    });

    test('a secret rotated by the CLI: the running server refuses the old one within about a second and takes the new one', async () => {
      sso = await startTestSso({ backend });
      const worker = await sso.client({
        type: 'confidential',
        name: 'Worker',
        grantTypes: ['client_credentials'],
      });
      const token = (secret: string | undefined) =>
        fetch(`${sso.issuer}/token`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization: `Basic ${Buffer.from(`${worker.clientId}:${secret}`).toString('base64')}`,
          },
          body: 'grant_type=client_credentials',
        });
      // Warm: the server holds the client in memory now.
      for (let i = 0; i < 5; i++) expect((await token(worker.secret)).status).toBe(200);

      const cli = cliSandboxFor(sso.storeEnv);
      const rotated = expectJson<{ clientSecret: string }>(
        await cli.run(['clients', 'rotate-secret', worker.clientId, '--json']),
      );
      const changedAt = Date.now();
      let status = 200;
      while (status === 200 && Date.now() - changedAt < 5000) {
        status = (await token(worker.secret)).status;
        if (status === 200) await sleep(50);
      }
      expect(status).toBe(401);
      // The stamp is read every 500 ms; the slack is for a loaded machine.
      expect(Date.now() - changedAt).toBeLessThan(3000);
      expect((await token(rotated.clientSecret)).status).toBe(200);
    });
  },
);
