// Two writers that read the same record before either writes, as the CLI and a running instance (or
// two instances) do when they change one client or user at once. A gate in front of a real store
// holds the first two reads until both have happened, so the race happens on every run; both
// changes must be in the stored record afterwards.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { Store } from '../../adapters/store.ts';
import { delegate, ReadGate } from '../support/gate.ts';
import { describeEachBackend, startTestSso, type TestSso } from '../support/sso.ts';

/** `store` whose client and account reads pass through `gate` first. */
function gated(store: Store, gate: ReadGate): Store {
  return delegate(store, {
    clients: delegate(store.clients, {
      get: async (clientId: string) => {
        await gate.pass();
        return store.clients.get(clientId);
      },
    }),
    accounts: delegate(store.accounts, {
      get: async (id: string) => {
        await gate.pass();
        return store.accounts.get(id);
      },
    }),
  });
}

describeEachBackend('concurrent writers lose nothing (%s store)', (backend) => {
  let first: TestSso;
  let second: TestSso;
  const gate = new ReadGate();

  beforeAll(async () => {
    first = await startTestSso({ backend });
    second = await startTestSso({
      store: gated(await first.openSharedStore(), gate),
      env: first.storeEnv,
    });
  });
  afterAll(async () => {
    await second?.stop();
    await first?.stop();
  });

  const clientCredentials = (clientId: string, secret: string) =>
    fetch(`${first.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials' }).toString(),
    });

  test('a secret rotation and an API removal that read the same client both survive', async () => {
    const orders = 'https://orders.example.com';
    const billing = 'https://billing.example.com';
    await first.api({ audience: orders, scopes: ['orders:read'] });
    await first.api({ audience: billing, scopes: ['billing:read'] });
    const { clientId, secret: oldSecret } = await first.client({
      type: 'confidential',
      grantTypes: ['client_credentials'],
      allowedApis: [orders, billing],
    });
    expect((await first.clients.get(clientId))?.version).toBe(1);

    gate.arm(2);
    const [rotated] = await Promise.all([
      second.clients.rotateSecret(clientId),
      second.apis.remove(billing),
    ]);

    const stored = await first.clients.get(clientId);
    expect(stored?.allowedApis).toEqual([orders]);
    expect(stored?.version).toBe(3);
    expect((await clientCredentials(clientId, rotated.secret!)).status).toBe(200);
    expect((await clientCredentials(clientId, oldSecret!)).status).toBe(401);
  });

  test('a profile change and disabling that read the same user both survive', async () => {
    const { username } = await first.user({ username: 'both-changes', name: 'Before' });
    gate.arm(2);
    await Promise.all([
      second.accounts.update(username, { name: 'After' }),
      second.accounts.setDisabled(username, true),
    ]);
    expect(await first.accounts.findByLogin(username)).toMatchObject({
      name: 'After',
      disabled: true,
      version: 3,
    });
  });
});
