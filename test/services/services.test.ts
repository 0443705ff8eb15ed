import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../adapters/sqlite/sqlite-store.ts';
import { keyState, rotateSigningKeys } from '../../provider/keys/signing-keys.ts';
import { loadConfig } from '../../provider/config.ts';
import { createLogger } from '../../provider/log.ts';
import { startServices, type Services } from '../../provider/services.ts';

// Rules of the account, client, API and key services that the protocol tests do not reach.
describe('services', () => {
  let dir: string;
  let services: Services;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sso-services-'));
    const config = loadConfig({ SSO_DATA_DIR: dir });
    const store = openSqliteStore(dir);
    await store.migrate();
    services = await startServices(config, store, createLogger('silent'));
  });
  afterEach(async () => {
    await services.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('a username cannot contain "@", so it can never shadow an email login', async () => {
    await expect(
      services.accounts.create({ username: 'bob@example.com' }, 'long enough 1'),
    ).rejects.toMatchObject({
      name: 'ValidationError',
      field: 'username',
    });
    const bob = await services.accounts.create(
      { username: 'bob', email: 'bob@example.com' },
      'long enough 1',
    );
    expect((await services.accounts.findByLogin('BOB@example.com'))?.id).toBe(bob.id);
    expect((await services.accounts.findByLogin('bob'))?.id).toBe(bob.id);
  });

  test('changing the email makes it unverified unless said otherwise', async () => {
    await services.accounts.create({
      username: 'amy',
      email: 'amy@example.com',
      emailVerified: true,
    });
    expect((await services.accounts.update('amy', { name: 'Amy' })).emailVerified).toBe(true);
    expect(
      (await services.accounts.update('amy', { email: 'amy@new.example.com' })).emailVerified,
    ).toBe(false);
    expect(
      (
        await services.accounts.update('amy', {
          email: 'amy@third.example.com',
          emailVerified: true,
        })
      ).emailVerified,
    ).toBe(true);
  });

  test('redirect URIs without the authorization_code grant are refused', async () => {
    await expect(
      services.clients.create({
        type: 'confidential',
        grantTypes: ['client_credentials'],
        redirectUris: ['https://app.example.com/cb'],
      }),
    ).rejects.toMatchObject({ name: 'ValidationError', field: 'redirectUris' });
  });

  test('client metadata is validated by the protocol engine itself', async () => {
    await expect(
      services.clients.create({
        type: 'confidential',
        grantTypes: ['authorization_code'],
        redirectUris: ['not a url'],
      }),
    ).rejects.toThrow(
      expect.objectContaining({
        name: 'ValidationError',
        message: expect.stringContaining('redirect_uris'),
      }),
    );
  });

  test('removing an API takes it off the clients that were allowed to use it', async () => {
    await services.apis.create({ audience: 'https://api.example.com', scopes: ['read'] });
    const { client } = await services.clients.create({
      type: 'confidential',
      grantTypes: ['client_credentials'],
      allowedApis: ['https://api.example.com'],
    });
    await services.apis.remove('https://api.example.com');
    expect((await services.clients.get(client.clientId))?.allowedApis).toEqual([]);
  });

  test('a rotation replaces keys of an earlier rotation that have not activated yet', async () => {
    const { store } = services;
    await rotateSigningKeys(store, { activateAfter: 3600, maxTokenLifetime: 60 });
    const second = await rotateSigningKeys(store, { activateAfter: 0, maxTokenLifetime: 60 });
    const states = second.keys.map((key) => keyState(key, Date.now()));
    expect(states.filter((state) => state === 'pending')).toHaveLength(0);
    expect(second.keys).toHaveLength(4); // the original pair (retiring) and the new active pair
  });

  test('an unusable data directory is a StoreUnavailableError naming it', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, '');
    expect(() => openSqliteStore(join(file, 'data'))).toThrow(
      expect.objectContaining({
        name: 'StoreUnavailableError',
        message: expect.stringContaining('cannot create the data directory'),
      }),
    );
  });
});
