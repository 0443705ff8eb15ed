// The storage contract suite: every rule written on adapters/store.ts, checked against a backend.
// Each backend's test file calls `describeStoreContract` with a factory for a fresh, empty store.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  StoreConflictError,
  type Account,
  type ApiRecord,
  type AuditEvent,
  type AuditFilter,
  type ClientRecord,
  type OidcPayload,
  type Store,
  type StoredKey,
} from '../store.ts';

/** Makes a fresh, empty, migrated store, and how to dispose of it. */
export type StoreFactory = () => Promise<{ store: Store; dispose: () => Promise<void> }>;

/** Registers the contract suite for one backend. */
export function describeStoreContract(backend: string, factory: StoreFactory): void {
  describe(`storage contract: ${backend}`, () => {
    let store: Store;
    let dispose: () => Promise<void>;

    beforeEach(async () => {
      ({ store, dispose } = await factory());
    });
    afterEach(async () => {
      await dispose();
    });

    describe('oidc records', () => {
      const awkward: OidcPayload = {
        accountId: 'acc-1',
        grantId: 'grant-1',
        'https://api.example.com/v1': { scope: 'read write' },
        'client.with.dots': true,
        $weird: { $nested: ['a', 1, null] },
        nested: { 'a.b': { 'c.d': 'e' } },
        unicode: 'zażółć 🔑',
      };

      test('upsert then find round-trips the payload unchanged, dotted and $ keys included', async () => {
        await store.oidc.upsert('AccessToken', 'tok-1', awkward, 60);
        expect(await store.oidc.find('AccessToken', 'tok-1')).toEqual(awkward);
      });

      test('find of a missing record is undefined', async () => {
        expect(await store.oidc.find('AccessToken', 'nope')).toBeUndefined();
      });

      test('the stored record is a copy of what was handed in', async () => {
        const payload: OidcPayload = { accountId: 'a', list: [1] };
        await store.oidc.upsert('Session', 's-1', payload, 60);
        (payload.list as number[]).push(2);
        payload.accountId = 'changed';
        expect(await store.oidc.find('Session', 's-1')).toEqual({ accountId: 'a', list: [1] });
      });

      test('upsert replaces the previous record with that key', async () => {
        await store.oidc.upsert('Grant', 'g-1', { accountId: 'a', v: 1 }, 60);
        await store.oidc.upsert('Grant', 'g-1', { accountId: 'a', v: 2 }, 60);
        expect(await store.oidc.find('Grant', 'g-1')).toEqual({ accountId: 'a', v: 2 });
      });

      test('models are separate namespaces', async () => {
        await store.oidc.upsert('AccessToken', 'same', { kind: 'AccessToken' }, 60);
        await store.oidc.upsert('RefreshToken', 'same', { kind: 'RefreshToken' }, 60);
        expect(await store.oidc.find('AccessToken', 'same')).toEqual({ kind: 'AccessToken' });
        await store.oidc.destroy('AccessToken', 'same');
        expect(await store.oidc.find('AccessToken', 'same')).toBeUndefined();
        expect(await store.oidc.find('RefreshToken', 'same')).toEqual({ kind: 'RefreshToken' });
      });

      test('a record without expiresIn never expires', async () => {
        await store.oidc.upsert('Client', 'c-1', { client_id: 'c-1' });
        await sleep(50);
        expect(await store.oidc.find('Client', 'c-1')).toEqual({ client_id: 'c-1' });
        await store.sweepExpired();
        expect(await store.oidc.find('Client', 'c-1')).toEqual({ client_id: 'c-1' });
      });

      test('an expired record is never returned, whether or not it has been swept', async () => {
        await store.oidc.upsert('Session', 'old', { uid: 'u-old', accountId: 'a' }, 0.2);
        await store.oidc.upsert('DeviceCode', 'dc', { userCode: 'ABCD-EFGH' }, 0.2);
        await store.oidc.upsert('Session', 'fresh', { uid: 'u-fresh' }, 60);
        expect(await store.oidc.find('Session', 'old')).toBeDefined();
        await sleep(300);
        expect(await store.oidc.find('Session', 'old')).toBeUndefined();
        expect(await store.oidc.findByUid('Session', 'u-old')).toBeUndefined();
        expect(await store.oidc.findByUserCode('DeviceCode', 'ABCD-EFGH')).toBeUndefined();
        expect(await store.oidc.consume('Session', 'old')).toBe(false);
        expect(await store.sweepExpired()).toBeGreaterThanOrEqual(2);
        expect(await store.oidc.find('Session', 'fresh')).toEqual({ uid: 'u-fresh' });
        expect(await store.sweepExpired()).toBe(0);
      });

      test('findByUid finds the session with that uid', async () => {
        await store.oidc.upsert('Session', 's-1', { uid: 'uid-1', accountId: 'a' }, 60);
        await store.oidc.upsert('Session', 's-2', { uid: 'uid-2', accountId: 'b' }, 60);
        expect(await store.oidc.findByUid('Session', 'uid-2')).toEqual({
          uid: 'uid-2',
          accountId: 'b',
        });
        expect(await store.oidc.findByUid('Session', 'uid-3')).toBeUndefined();
      });

      test('findByUserCode finds the device code with that user code', async () => {
        await store.oidc.upsert('DeviceCode', 'dc-1', { userCode: 'WXYZ-1234', params: {} }, 60);
        expect(await store.oidc.findByUserCode('DeviceCode', 'WXYZ-1234')).toEqual({
          userCode: 'WXYZ-1234',
          params: {},
        });
        expect(await store.oidc.findByUserCode('DeviceCode', 'NOPE-NOPE')).toBeUndefined();
      });

      test('consume marks a record once; later finds carry consumed', async () => {
        await store.oidc.upsert('AuthorizationCode', 'code-1', { grantId: 'g' }, 60);
        const before = Math.floor(Date.now() / 1000);
        expect(await store.oidc.consume('AuthorizationCode', 'code-1')).toBe(true);
        expect(await store.oidc.consume('AuthorizationCode', 'code-1')).toBe(false);
        const found = await store.oidc.find('AuthorizationCode', 'code-1');
        expect(found?.grantId).toBe('g');
        expect(found?.consumed).toBeGreaterThanOrEqual(before);
        expect(found?.consumed).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
      });

      test('consume of a missing record answers false', async () => {
        expect(await store.oidc.consume('AuthorizationCode', 'missing')).toBe(false);
      });

      test('of 20 concurrent consumes exactly one succeeds', async () => {
        await store.oidc.upsert('RefreshToken', 'rt-1', { grantId: 'g' }, 60);
        const results = await Promise.all(
          Array.from({ length: 20 }, () => store.oidc.consume('RefreshToken', 'rt-1')),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      test('upsert after consume stores an unconsumed record', async () => {
        await store.oidc.upsert('AuthorizationCode', 'c', { v: 1 }, 60);
        await store.oidc.consume('AuthorizationCode', 'c');
        await store.oidc.upsert('AuthorizationCode', 'c', { v: 2 }, 60);
        expect(await store.oidc.find('AuthorizationCode', 'c')).toEqual({ v: 2 });
      });

      test('destroy removes the record; destroying a missing one is fine', async () => {
        await store.oidc.upsert('Interaction', 'i-1', { uid: 'x' }, 60);
        await store.oidc.destroy('Interaction', 'i-1');
        expect(await store.oidc.find('Interaction', 'i-1')).toBeUndefined();
        await expect(store.oidc.destroy('Interaction', 'i-1')).resolves.toBeUndefined();
      });

      test('revokeByGrantId removes every record of the model with that grant, and only those', async () => {
        await store.oidc.upsert('AccessToken', 'at-1', { grantId: 'g-1' }, 60);
        await store.oidc.upsert('AccessToken', 'at-2', { grantId: 'g-1' }, 60);
        await store.oidc.upsert('AccessToken', 'at-3', { grantId: 'g-2' }, 60);
        await store.oidc.upsert('RefreshToken', 'rt-1', { grantId: 'g-1' }, 60);
        expect(await store.oidc.revokeByGrantId('AccessToken', 'g-1')).toBe(2);
        expect(await store.oidc.find('AccessToken', 'at-1')).toBeUndefined();
        expect(await store.oidc.find('AccessToken', 'at-2')).toBeUndefined();
        expect(await store.oidc.find('AccessToken', 'at-3')).toBeDefined();
        expect(await store.oidc.find('RefreshToken', 'rt-1')).toBeDefined();
        expect(await store.oidc.revokeByGrantId('RefreshToken', 'g-1')).toBe(1);
        expect(await store.oidc.find('RefreshToken', 'rt-1')).toBeUndefined();
      });

      test("destroyByAccountId removes every model's records of that account, and only those", async () => {
        await store.oidc.upsert('Session', 's', { accountId: 'alice', uid: 'u' }, 60);
        await store.oidc.upsert('Grant', 'g', { accountId: 'alice' }, 60);
        await store.oidc.upsert('AccessToken', 'at', { accountId: 'alice', grantId: 'g' }, 60);
        await store.oidc.upsert('RefreshToken', 'rt', { accountId: 'alice', grantId: 'g' }, 60);
        await store.oidc.upsert('Session', 's-bob', { accountId: 'bob', uid: 'u2' }, 60);
        expect(await store.oidc.destroyByAccountId('alice')).toBe(4);
        for (const [model, id] of [
          ['Session', 's'],
          ['Grant', 'g'],
          ['AccessToken', 'at'],
          ['RefreshToken', 'rt'],
        ] as const) {
          expect(await store.oidc.find(model, id)).toBeUndefined();
        }
        expect(await store.oidc.find('Session', 's-bob')).toBeDefined();
      });

      test("destroyByClientId removes every model's records of that client, and only those", async () => {
        await store.oidc.upsert('Grant', 'g', { accountId: 'alice', clientId: 'app' }, 60);
        await store.oidc.upsert('AccessToken', 'at', { clientId: 'app', grantId: 'g' }, 60);
        await store.oidc.upsert('RefreshToken', 'rt', { clientId: 'app', grantId: 'g' }, 60);
        await store.oidc.upsert('ClientCredentials', 'cc', { clientId: 'app' }, 60);
        await store.oidc.upsert('AccessToken', 'other', { clientId: 'app2', grantId: 'g2' }, 60);
        await store.oidc.upsert('Session', 's', { accountId: 'alice', uid: 'u' }, 60);
        expect(await store.oidc.destroyByClientId('app')).toBe(4);
        for (const [model, id] of [
          ['Grant', 'g'],
          ['AccessToken', 'at'],
          ['RefreshToken', 'rt'],
          ['ClientCredentials', 'cc'],
        ] as const) {
          expect(await store.oidc.find(model, id)).toBeUndefined();
        }
        expect(await store.oidc.find('AccessToken', 'other')).toBeDefined();
        expect(await store.oidc.find('Session', 's')).toBeDefined();
        expect(await store.oidc.destroyByClientId('app')).toBe(0);
      });

      test("listByAccountId answers the account's live records of one model, with their ids", async () => {
        await store.oidc.upsert('Session', 's-1', { accountId: 'alice', uid: 'u1' }, 60);
        await store.oidc.upsert('Session', 's-2', { accountId: 'alice', uid: 'u2' }, 60);
        await store.oidc.upsert('Session', 's-old', { accountId: 'alice', uid: 'u3' }, 0.2);
        await store.oidc.upsert('Session', 's-bob', { accountId: 'bob', uid: 'u4' }, 60);
        await store.oidc.upsert('Grant', 'g-1', { accountId: 'alice' }, 60);
        await sleep(300);
        const sessions = await store.oidc.listByAccountId('Session', 'alice');
        expect(sessions.sort((a, b) => a.id.localeCompare(b.id))).toEqual([
          { id: 's-1', payload: { accountId: 'alice', uid: 'u1' } },
          { id: 's-2', payload: { accountId: 'alice', uid: 'u2' } },
        ]);
        expect(await store.oidc.listByAccountId('Grant', 'alice')).toEqual([
          { id: 'g-1', payload: { accountId: 'alice' } },
        ]);
        expect(await store.oidc.listByAccountId('Session', 'carol')).toEqual([]);
      });

      test('a consumed Ticket is consumed once, and goes with its account', async () => {
        await store.oidc.upsert('Ticket', 't-1', { accountId: 'alice', kind: 'setup' }, 60);
        const results = await Promise.all(
          Array.from({ length: 10 }, () => store.oidc.consume('Ticket', 't-1')),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await store.oidc.destroyByAccountId('alice')).toBe(1);
        expect(await store.oidc.find('Ticket', 't-1')).toBeUndefined();
      });

      test('insertIfAbsent stores once; of 20 concurrent inserts exactly one wins', async () => {
        expect(await store.oidc.insertIfAbsent('ReplayDetection', 'jti-1', { iss: 'a' }, 60)).toBe(
          true,
        );
        expect(await store.oidc.insertIfAbsent('ReplayDetection', 'jti-1', { iss: 'b' }, 60)).toBe(
          false,
        );
        expect(await store.oidc.find('ReplayDetection', 'jti-1')).toEqual({ iss: 'a' });
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            store.oidc.insertIfAbsent('ReplayDetection', 'jti-2', { iss: `c${i}` }, 60),
          ),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      test('insertIfAbsent replaces an expired record', async () => {
        await store.oidc.insertIfAbsent('ReplayDetection', 'jti', { iss: 'old' }, 0.2);
        await sleep(300);
        expect(await store.oidc.insertIfAbsent('ReplayDetection', 'jti', { iss: 'new' }, 60)).toBe(
          true,
        );
        expect(await store.oidc.find('ReplayDetection', 'jti')).toEqual({ iss: 'new' });
      });
    });

    describe('accounts', () => {
      const alice = (over: Partial<Account> = {}): Account => ({
        id: 'id-alice',
        username: 'alice',
        email: 'alice@example.com',
        emailVerified: true,
        name: 'Alice Liddell',
        givenName: 'Alice',
        familyName: 'Liddell',
        groups: ['admins', 'dev.ops'],
        passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
        disabled: false,
        createdAt: 1,
        updatedAt: 1,
        version: 1,
        ...over,
      });

      test('create, get, find by username and email', async () => {
        await store.accounts.create(alice());
        expect(await store.accounts.get('id-alice')).toEqual(alice());
        expect(await store.accounts.findByUsername('alice')).toEqual(alice());
        expect(await store.accounts.findByEmail('alice@example.com')).toEqual(alice());
        expect(await store.accounts.get('nobody')).toBeUndefined();
        expect(await store.accounts.findByUsername('bob')).toBeUndefined();
        expect(await store.accounts.findByEmail('bob@example.com')).toBeUndefined();
      });

      test('username, email and id are unique', async () => {
        await store.accounts.create(alice());
        await expect(
          store.accounts.create(alice({ id: 'id-2', email: 'other@example.com' })),
        ).rejects.toMatchObject({ name: 'StoreConflictError', field: 'username' });
        await expect(
          store.accounts.create(alice({ id: 'id-2', username: 'alice2' })),
        ).rejects.toMatchObject({ field: 'email' });
        await expect(
          store.accounts.create(alice({ username: 'alice3', email: 'a3@example.com' })),
        ).rejects.toBeInstanceOf(StoreConflictError);
        expect(await store.accounts.list()).toHaveLength(1);
      });

      test('accounts without email do not collide', async () => {
        const { email: _ignored, ...noEmail } = alice();
        await store.accounts.create({ ...noEmail, id: 'a', username: 'a' });
        await store.accounts.create({ ...noEmail, id: 'b', username: 'b' });
        expect((await store.accounts.list()).map((a) => a.username)).toEqual(['a', 'b']);
        expect((await store.accounts.get('a'))?.email).toBeUndefined();
      });

      test('list is ordered by username', async () => {
        for (const name of ['carol', 'alice', 'bob']) {
          await store.accounts.create(
            alice({ id: `id-${name}`, username: name, email: `${name}@x.test` }),
          );
        }
        expect((await store.accounts.list()).map((a) => a.username)).toEqual([
          'alice',
          'bob',
          'carol',
        ]);
      });

      test('findByPasskey finds the account holding a credential id, and second factors round-trip', async () => {
        const key = (id: string) => ({
          id,
          publicKey: 'pQECAyYgASFYIA',
          counter: 0,
          transports: ['internal'],
          name: 'Laptop',
          discoverable: true,
          createdAt: 5,
        });
        await store.accounts.create(
          alice({
            passkeys: [key('cred-1'), key('cred-2')],
            totp: { secret: 'JBSWY3DPEHPK3PXP', confirmedAt: 4, lastStep: 7 },
            recoveryCodes: { salt: 's', hashes: ['a', 'b'], createdAt: 4 },
            mfaRequired: true,
          }),
        );
        await store.accounts.create(
          alice({ id: 'id-bob', username: 'bob', email: 'b@x.test', passkeys: [key('cred-3')] }),
        );
        expect((await store.accounts.findByPasskey('cred-2'))?.username).toBe('alice');
        expect((await store.accounts.findByPasskey('cred-3'))?.username).toBe('bob');
        expect(await store.accounts.findByPasskey('cred-9')).toBeUndefined();
        expect(await store.accounts.get('id-alice')).toMatchObject({
          totp: { secret: 'JBSWY3DPEHPK3PXP', confirmedAt: 4, lastStep: 7 },
          recoveryCodes: { salt: 's', hashes: ['a', 'b'], createdAt: 4 },
          mfaRequired: true,
          passkeys: [key('cred-1'), key('cred-2')],
        });
        const bob = (await store.accounts.get('id-bob'))!;
        expect(await store.accounts.replace({ ...bob, passkeys: [] })).toBe(true);
        expect(await store.accounts.findByPasskey('cred-3')).toBeUndefined();
      });

      test('page selects by username or email prefix and by group, in username order, after a cursor', async () => {
        const people = [
          ['dave', 'zed@x.test', ['staff']],
          ['alice', 'alice@x.test', ['admins', 'staff']],
          ['bob', 'al.bob@x.test', []],
          ['carol', undefined, ['admins']],
          ['al', 'a@y.test', ['staff']],
        ] as const;
        for (const [username, email, groups] of people) {
          const { email: _none, ...base } = alice();
          await store.accounts.create({
            ...base,
            id: `id-${username}`,
            username,
            groups: [...groups],
            ...(email ? { email } : {}),
          });
        }
        const names = async (query: Partial<Parameters<Store['accounts']['page']>[0]>) =>
          (await store.accounts.page({ limit: 10, ...query })).map((a) => a.username);
        expect(await names({})).toEqual(['al', 'alice', 'bob', 'carol', 'dave']);
        expect(await names({ limit: 2 })).toEqual(['al', 'alice']);
        expect(await names({ after: 'alice', limit: 2 })).toEqual(['bob', 'carol']);
        expect(await names({ after: 'dave' })).toEqual([]);
        // "al" starts the usernames al and alice, and bob's email.
        expect(await names({ prefix: 'al' })).toEqual(['al', 'alice', 'bob']);
        expect(await names({ prefix: 'al', after: 'al' })).toEqual(['alice', 'bob']);
        expect(await names({ prefix: 'zed@' })).toEqual(['dave']);
        expect(await names({ prefix: 'x' })).toEqual([]);
        expect(await names({ group: 'admins' })).toEqual(['alice', 'carol']);
        expect(await names({ group: 'staff', prefix: 'a' })).toEqual(['al', 'alice']);
        expect(await names({ group: 'admin' })).toEqual([]);
        expect(await names({ limit: 0 })).toEqual([]);
        expect((await store.accounts.page({ prefix: 'carol', limit: 1 }))[0]).toEqual(
          (await store.accounts.get('id-carol'))!,
        );
      });

      test('replace updates; conflicts are refused and change nothing; missing answers false', async () => {
        await store.accounts.create(alice());
        await store.accounts.create(alice({ id: 'id-bob', username: 'bob', email: 'b@x.test' }));
        expect(await store.accounts.replace(alice({ disabled: true, updatedAt: 2 }))).toBe(true);
        expect(await store.accounts.get('id-alice')).toEqual(
          alice({ disabled: true, updatedAt: 2, version: 2 }),
        );
        await expect(
          store.accounts.replace(alice({ email: 'b@x.test', version: 2 })),
        ).rejects.toBeInstanceOf(StoreConflictError);
        expect(await store.accounts.get('id-alice')).toMatchObject({
          email: 'alice@example.com',
          version: 2,
        });
        expect(await store.accounts.replace(alice({ id: 'ghost', username: 'ghost' }))).toBe(false);
      });

      test('create stores version 1 whatever the record says', async () => {
        await store.accounts.create(alice({ version: 7 }));
        expect((await store.accounts.get('id-alice'))?.version).toBe(1);
      });

      test('replace is compare-and-swap: a stale version changes nothing', async () => {
        await store.accounts.create(alice());
        expect(await store.accounts.replace(alice({ name: 'First' }))).toBe(true);
        expect(await store.accounts.replace(alice({ name: 'Stale' }))).toBe(false);
        expect(await store.accounts.get('id-alice')).toMatchObject({ name: 'First', version: 2 });
      });

      test('of concurrent replaces of one version exactly one wins', async () => {
        await store.accounts.create(alice());
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) => store.accounts.replace(alice({ name: `n${i}` }))),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = results.indexOf(true);
        expect(await store.accounts.get('id-alice')).toMatchObject({
          name: `n${winner}`,
          version: 2,
        });
      });

      test('delete removes the account', async () => {
        await store.accounts.create(alice());
        expect(await store.accounts.delete('id-alice')).toBe(true);
        expect(await store.accounts.delete('id-alice')).toBe(false);
        expect(await store.accounts.findByUsername('alice')).toBeUndefined();
      });
    });

    describe('clients', () => {
      const client = (over: Partial<ClientRecord> = {}): ClientRecord => ({
        clientId: 'web.app',
        metadata: {
          client_id: 'web.app',
          client_secret: 's3cret',
          redirect_uris: ['https://app.example.com/cb'],
          'urn:custom.key': { 'a.b': 1 },
        },
        firstParty: false,
        allowedApis: ['https://api.example.com', 'urn:api.$example'],
        // Keys with dots and a leading $: audiences.
        apiScopes: { 'https://api.example.com': ['read'], 'urn:api.$example': ['a.b', '$c'] },
        requireMfa: true,
        disabled: true,
        createdAt: 1,
        updatedAt: 1,
        version: 1,
        ...over,
      });

      test('create, get, list, replace, delete', async () => {
        await store.clients.create(client());
        await store.clients.create(
          client({ clientId: 'a-first', metadata: { client_id: 'a-first' } }),
        );
        expect(await store.clients.get('web.app')).toEqual(client());
        expect((await store.clients.list()).map((c) => c.clientId)).toEqual(['a-first', 'web.app']);
        expect(await store.clients.replace(client({ firstParty: true }))).toBe(true);
        expect(await store.clients.get('web.app')).toEqual(
          client({ firstParty: true, version: 2 }),
        );
        expect(await store.clients.replace(client({ allowedApis: [] }))).toBe(false);
        expect((await store.clients.get('web.app'))?.allowedApis).toEqual([
          'https://api.example.com',
          'urn:api.$example',
        ]);
        expect(await store.clients.replace(client({ clientId: 'ghost' }))).toBe(false);
        expect(await store.clients.delete('web.app')).toBe(true);
        expect(await store.clients.delete('web.app')).toBe(false);
        expect(await store.clients.get('web.app')).toBeUndefined();
      });

      test('of concurrent replaces of one version exactly one wins', async () => {
        await store.clients.create(client());
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            store.clients.replace(client({ allowedApis: [`https://api${i}.example.com`] })),
          ),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = results.indexOf(true);
        expect(await store.clients.get('web.app')).toMatchObject({
          allowedApis: [`https://api${winner}.example.com`],
          version: 2,
        });
      });

      test('client ids are unique', async () => {
        await store.clients.create(client());
        await expect(store.clients.create(client())).rejects.toMatchObject({
          name: 'StoreConflictError',
          field: 'clientId',
        });
      });
    });

    describe('apis', () => {
      const api = (over: Partial<ApiRecord> = {}): ApiRecord => ({
        audience: 'https://api.example.com/v1',
        name: 'Orders',
        scopes: ['orders:read', 'orders:write'],
        accessTokenTtl: 600,
        createdAt: 1,
        updatedAt: 1,
        version: 1,
        ...over,
      });

      test('create, get, list, replace, delete', async () => {
        await store.apis.create(api());
        await store.apis.create(api({ audience: 'https://a.example.com' }));
        expect(await store.apis.get('https://api.example.com/v1')).toEqual(api());
        expect((await store.apis.list()).map((a) => a.audience)).toEqual([
          'https://a.example.com',
          'https://api.example.com/v1',
        ]);
        expect(await store.apis.replace(api({ scopes: ['x'] }))).toBe(true);
        expect(await store.apis.get('https://api.example.com/v1')).toEqual(
          api({ scopes: ['x'], version: 2 }),
        );
        expect(await store.apis.replace(api({ scopes: ['stale'] }))).toBe(false);
        expect((await store.apis.get('https://api.example.com/v1'))?.scopes).toEqual(['x']);
        expect(await store.apis.delete('https://api.example.com/v1')).toBe(true);
        expect(await store.apis.get('https://api.example.com/v1')).toBeUndefined();
        expect(await store.apis.delete('https://api.example.com/v1')).toBe(false);
      });

      test('audiences are unique', async () => {
        await store.apis.create(api());
        await expect(store.apis.create(api())).rejects.toMatchObject({ field: 'audience' });
      });
    });

    describe('key sets', () => {
      const key = (kid: string): StoredKey => ({
        kid,
        jwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'd', kid, alg: 'ES256' },
        createdAt: 1,
        activatesAt: 1,
      });

      test('a missing set is undefined; create stores version 1', async () => {
        expect(await store.keySets.get('signing')).toBeUndefined();
        const created = await store.keySets.create('signing', [key('k1')]);
        expect(created).toEqual({ kind: 'signing', version: 1, keys: [key('k1')] });
        expect(await store.keySets.get('signing')).toEqual(created);
        expect(await store.keySets.get('cookie')).toBeUndefined();
      });

      test('of concurrent creates exactly one wins and all see its keys', async () => {
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) => store.keySets.create('cookie', [key(`k${i}`)])),
        );
        const winner = results[0]!;
        expect(winner.version).toBe(1);
        for (const result of results) expect(result).toEqual(winner);
        expect(await store.keySets.get('cookie')).toEqual(winner);
      });

      test('replace is compare-and-swap on the version', async () => {
        await store.keySets.create('signing', [key('k1')]);
        const next = await store.keySets.replace('signing', 1, [key('k1'), key('k2')]);
        expect(next).toEqual({ kind: 'signing', version: 2, keys: [key('k1'), key('k2')] });
        expect(await store.keySets.replace('signing', 1, [key('k3')])).toBeUndefined();
        expect(await store.keySets.get('signing')).toEqual(next);
        expect(await store.keySets.replace('cookie', 1, [key('k3')])).toBeUndefined();
      });

      test('of concurrent replaces of one version exactly one wins', async () => {
        await store.keySets.create('signing', [key('k1')]);
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) => store.keySets.replace('signing', 1, [key(`n${i}`)])),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        expect((await store.keySets.get('signing'))?.version).toBe(2);
      });
    });

    describe('counters', () => {
      test('add starts a counter, adds to it while it lives, and get reads it', async () => {
        expect(await store.counters.get('k')).toBeUndefined();
        const before = Date.now();
        const first = await store.counters.add('k', 1, 60_000);
        expect(first.points).toBe(1);
        expect(first.expiresAt).toBeGreaterThanOrEqual(before + 60_000);
        expect(first.expiresAt).toBeLessThanOrEqual(Date.now() + 60_000);
        const second = await store.counters.add('k', 2, 5_000);
        expect(second).toEqual({ points: 3, expiresAt: first.expiresAt }); // the window stays
        expect(await store.counters.get('k')).toEqual(second);
        expect(await store.counters.add('k', -1, 60_000)).toMatchObject({ points: 2 });
      });

      test('a counter without a duration never ends; reset replaces whatever it held', async () => {
        expect(await store.counters.add('forever', 5, 0)).toEqual({ points: 5 });
        expect(await store.counters.add('forever', 1, 0)).toEqual({ points: 6 });
        const reset = await store.counters.add('forever', 9, 60_000, true);
        expect(reset.points).toBe(9);
        expect(reset.expiresAt).toBeGreaterThan(Date.now());
        expect(await store.counters.get('forever')).toEqual(reset);
      });

      test('an expired counter is never read, and the next add starts a new window', async () => {
        await store.counters.add('short', 7, 200);
        await sleep(300);
        expect(await store.counters.get('short')).toBeUndefined();
        const fresh = await store.counters.add('short', 1, 60_000);
        expect(fresh.points).toBe(1);
        expect(fresh.expiresAt).toBeGreaterThan(Date.now() + 59_000);
        await store.counters.add('gone', 1, 200);
        await sleep(300);
        await store.sweepExpired();
        expect(await store.counters.get('gone')).toBeUndefined();
        expect(await store.counters.get('short')).toMatchObject({ points: 1 });
      });

      test('of 20 concurrent adds to one counter none is lost', async () => {
        await Promise.all(Array.from({ length: 20 }, () => store.counters.add('busy', 1, 60_000)));
        expect((await store.counters.get('busy'))?.points).toBe(20);
      });

      test('delete and deleteByPrefix remove counters, and only those named', async () => {
        await store.counters.add('login:alice|10.0.0.1', 3, 60_000);
        await store.counters.add('login:alice|10.0.0.2', 1, 60_000);
        await store.counters.add('login:alice.b|10.0.0.1', 1, 60_000);
        await store.counters.add('login:alicf|10.0.0.1', 1, 60_000);
        await store.counters.add('ip:10.0.0.1', 1, 60_000);
        expect(await store.counters.deleteByPrefix('login:alice|')).toBe(2);
        expect(await store.counters.get('login:alice|10.0.0.1')).toBeUndefined();
        expect(await store.counters.get('login:alice.b|10.0.0.1')).toBeDefined();
        expect(await store.counters.get('login:alicf|10.0.0.1')).toBeDefined();
        expect(await store.counters.delete('ip:10.0.0.1')).toBe(true);
        expect(await store.counters.delete('ip:10.0.0.1')).toBe(false);
        expect(await store.counters.get('ip:10.0.0.1')).toBeUndefined();
        expect(await store.counters.deleteByPrefix('nothing:')).toBe(0);
      });
    });

    describe('audit', () => {
      const keptUntil = Date.now() + 3_600_000;
      const event = (n: number, fields: Partial<AuditEvent> = {}): AuditEvent => ({
        id: `e${String(n).padStart(3, '0')}`,
        time: 1_000_000 + n,
        type: 'login.failure',
        actor: 'anonymous',
        expiresAt: keptUntil,
        ...fields,
      });

      test('append then list round-trips events, newest first, at most limit', async () => {
        const full = event(1, {
          username: 'alice',
          accountId: 'acc-1',
          clientId: 'app.one',
          ip: '2001:db8::1',
          details: { reason: 'wrong password', attempts: 3, locked: false },
        });
        await store.audit.append(full);
        await store.audit.append(event(2));
        await store.audit.append(event(3));
        expect(await store.audit.list({ limit: 10 })).toEqual([event(3), event(2), full]);
        expect(await store.audit.list({ limit: 2 })).toEqual([event(3), event(2)]);
        expect(await store.audit.list({ limit: 0 })).toEqual([]);
        await expect(store.audit.append(event(3))).rejects.toBeInstanceOf(StoreConflictError);
      });

      test('list filters by type prefix, user, client, address and time', async () => {
        await store.audit.append(event(1, { type: 'login.success', username: 'alice' }));
        await store.audit.append(event(2, { type: 'login.failure', accountId: 'acc-a' }));
        await store.audit.append(event(3, { type: 'loginx', clientId: 'c1', ip: '10.0.0.9' }));
        await store.audit.append(event(4, { type: 'client.remove', clientId: 'c1' }));
        const ids = async (filter: Omit<AuditFilter, 'limit'>) =>
          (await store.audit.list({ ...filter, limit: 10 })).map((e) => e.id);
        expect(await ids({ type: 'login' })).toEqual(['e002', 'e001']);
        expect(await ids({ type: 'login.success' })).toEqual(['e001']);
        expect(await ids({ user: 'alice' })).toEqual(['e001']);
        expect(await ids({ user: 'acc-a' })).toEqual(['e002']);
        expect(await ids({ clientId: 'c1' })).toEqual(['e004', 'e003']);
        expect(await ids({ ip: '10.0.0.9' })).toEqual(['e003']);
        expect(await ids({ since: 1_000_002, until: 1_000_004 })).toEqual(['e003', 'e002']);
        expect(await ids({ type: 'client', clientId: 'c1' })).toEqual(['e004']);
      });

      test('before pages through events older than the last one seen, ties broken by id', async () => {
        await store.audit.append(event(1));
        await store.audit.append(event(2, { id: 'e002a' }));
        await store.audit.append(event(2, { id: 'e002b' }));
        await store.audit.append(event(3));
        const first = await store.audit.list({ limit: 2 });
        expect(first.map((e) => e.id)).toEqual(['e003', 'e002b']);
        const last = first[1]!;
        const second = await store.audit.list({
          limit: 2,
          before: { time: last.time, id: last.id },
        });
        expect(second.map((e) => e.id)).toEqual(['e002a', 'e001']);
        const end = await store.audit.list({
          limit: 2,
          before: { time: second[1]!.time, id: second[1]!.id },
        });
        expect(end).toEqual([]);
      });

      test('an event is forgotten at its expiry', async () => {
        await store.audit.append(event(1, { expiresAt: Date.now() + 200 }));
        await store.audit.append(event(2));
        await sleep(300);
        expect((await store.audit.list({ limit: 10 })).map((e) => e.id)).toEqual(['e002']);
        await store.sweepExpired();
        expect((await store.audit.list({ limit: 10 })).map((e) => e.id)).toEqual(['e002']);
      });
    });

    describe('store', () => {
      test('migrate is idempotent and ping answers', async () => {
        await store.migrate();
        await store.migrate();
        await expect(store.ping()).resolves.toBeUndefined();
      });
    });
  });
}
