// The shared request windows on their own, with the clock in the test's hands: exact for one
// instance, shared between two through a real store once they sync, a new window every window, and
// still counting when the store cannot be reached.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../adapters/sqlite/sqlite-store.ts';
import type { CounterRecords, Store } from '../../adapters/store.ts';
import { StoreUnavailableError } from '../../adapters/store.ts';
import { SharedWindowLimit } from '../../provider/security/shared-window.ts';

const WINDOW = 60; // seconds
const START = Math.ceil(Date.now() / 60_000) * 60_000 + 1_000; // one second into a window

describe('shared request windows', () => {
  let dir: string;
  let store: Store;
  const errors: unknown[] = [];
  const limit = (points: number, counters: CounterRecords = store.counters) =>
    new SharedWindowLimit(counters, 'test', points, WINDOW, (error) => errors.push(error));

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sso-window-'));
    store = openSqliteStore(dir);
    await store.migrate();
    errors.length = 0;
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('one instance is exact: the points of a window, then the seconds to its end', () => {
    const a = limit(5);
    for (let i = 0; i < 5; i++) expect(a.hit('10.0.0.1', START + i)).toBe(0);
    expect(a.hit('10.0.0.1', START + 10)).toBe(59);
    expect(a.peek('10.0.0.1', START + 30_000)).toBe(29);
    expect(a.hit('10.0.0.2', START + 10)).toBe(0); // other keys have their own windows
    expect(a.hit('10.0.0.1', START + WINDOW * 1000)).toBe(0); // the next window
  });

  test("two instances learn each other's counts through the store when they sync", async () => {
    const a = limit(10);
    const b = limit(10);
    for (let i = 0; i < 4; i++) a.hit('k', START);
    for (let i = 0; i < 4; i++) b.hit('k', START);
    await a.sync(START);
    await b.sync(START); // the store holds 8; b knows
    await a.sync(START); // a knows too (near the limit, it asks)
    expect(a.hit('k', START)).toBe(0);
    expect(b.hit('k', START)).toBe(0); // 10 now, though neither has told the other yet
    await a.sync(START);
    await b.sync(START);
    await a.sync(START);
    expect(a.hit('k', START)).toBeGreaterThan(0);
    expect(b.hit('k', START)).toBeGreaterThan(0);
    expect((await store.counters.get(`test:k:${START - 1_000 + WINDOW * 1000}`))?.points).toBe(10);
    await Promise.all([a.stop(), b.stop()]);
    expect(errors).toEqual([]);
  });

  test('when the store cannot be reached, counting goes on here and the counts are sent later', async () => {
    let down = true;
    const flaky: CounterRecords = {
      ...store.counters,
      add: (...args) =>
        down ? Promise.reject(new StoreUnavailableError('down')) : store.counters.add(...args),
      get: (key) => store.counters.get(key),
      delete: (key) => store.counters.delete(key),
      deleteByPrefix: (prefix) => store.counters.deleteByPrefix(prefix),
    };
    const a = limit(3, flaky);
    for (let i = 0; i < 3; i++) expect(a.hit('k', START)).toBe(0);
    await a.sync(START);
    expect(errors).toHaveLength(1);
    expect(a.hit('k', START)).toBeGreaterThan(0); // still refused from its own counts
    down = false;
    await a.sync(START);
    expect((await store.counters.get(`test:k:${START - 1_000 + WINDOW * 1000}`))?.points).toBe(3);
    await a.stop();
  });
});
