// Listing users with 10,000 of them in the store, on both stores: paging through the admin API
// visits every user exactly once in username order, and a search narrows by prefix through the
// stores' indexes. (How fast is for `npm run bench`, not for a test.)
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { Account } from '../../adapters/store.ts';
import { describeEachBackend, startTestSso, type TestSso } from '../support/sso.ts';
import { AdminApi } from './support/admin-api.ts';

const COUNT = 10_000;
const name = (i: number) => `user-${String(i).padStart(5, '0')}`;

describeEachBackend('admin API with 10,000 users (%s store)', (backend) => {
  let sso: TestSso;
  let api: AdminApi;
  let token: string;

  beforeAll(async () => {
    sso = await startTestSso({ backend });
    api = await AdminApi.of(sso);
    token = await api.machineToken('admin:read');
    const now = Date.now();
    const account = (i: number): Account => ({
      id: `id-${i}`,
      username: name(i),
      email: `${name(i)}@example.com`,
      emailVerified: true,
      groups: i % 100 === 0 ? ['hundreds'] : [],
      disabled: false,
      createdAt: now,
      updatedAt: now,
      version: 1,
    });
    // Seeded straight into the store (hashing 10,000 passwords would only measure argon2).
    for (let start = 0; start < COUNT; start += 250) {
      await Promise.all(
        Array.from({ length: Math.min(250, COUNT - start) }, (_, i) =>
          sso.store.accounts.create(account(start + i)),
        ),
      );
    }
  }, 300_000);
  afterAll(async () => {
    await sso?.stop();
  });

  type Page = { items: { username: string }[]; next?: string };

  test('paging with the largest page visits every user once, in username order', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const answer = await api.call<Page>(
        'GET',
        `/users?limit=200${cursor ? `&cursor=${cursor}` : ''}`,
        { token },
      );
      expect(answer.status).toBe(200);
      seen.push(...answer.body.items.map((user) => user.username));
      cursor = answer.body.next;
      pages++;
    } while (cursor);
    expect(pages).toBe(COUNT / 200);
    expect(seen).toHaveLength(COUNT);
    expect(seen).toEqual(Array.from({ length: COUNT }, (_, i) => name(i)));
  }, 120_000);

  test('a search by username or email prefix, and a group filter, narrow it down', async () => {
    const byName = await api.call<Page>('GET', '/users?search=USER-0123', { token });
    expect(byName.body.items.map((user) => user.username)).toEqual(
      Array.from({ length: 10 }, (_, i) => name(1230 + i)),
    );
    const byEmail = await api.call<Page>('GET', `/users?search=${name(4567)}@`, { token });
    expect(byEmail.body.items.map((user) => user.username)).toEqual([name(4567)]);
    const group = await api.call<Page>('GET', '/users?group=hundreds&limit=200', { token });
    expect(group.body.items).toHaveLength(COUNT / 100);
    expect(group.body.next).toBeUndefined();
  }, 60_000);
});
