// Clients and APIs kept in memory for the protocol engine, so that a token or introspection request
// reads no configuration from the store.
//
// Change detection is a version stamp in the store (a counter that never expires): every write of a
// client or an API through this instance's store bumps it, and the cache reads it at most every
// `pollMs` (in the background: no request waits for it). When the stamp has moved, whoever moved
// it, every entry is dropped. So a change made by another instance or by the CLI is seen within
// about `pollMs`, and one made here at once. Beyond that:
// - while the stamp cannot be read (the store is down or hung) for longer than `trustMs`, the cache
//   is not trusted and every read goes to the store, which then fails the way it would without a
//   cache (503);
// - an entry is kept at most `maxAgeMs`, in case a write landed but its stamp bump did not;
// - only records that exist are kept, and at most `maxEntries` of them (unknown ids sent by anyone
//   would otherwise grow the map without bound).
// The admin services read and update through the store itself, never through this cache: a
// compare-and-swap update must start from the stored version.
import type {
  ApiRecord,
  ApiRecords,
  ClientRecord,
  ClientRecords,
  Store,
} from '../../adapters/store.ts';

/** The counter that holds the configuration's version stamp. */
export const CONFIGURATION_STAMP = 'stamp:configuration';

export interface ConfigurationCacheOptions {
  /** How often the stamp is read, at most, in ms. */
  pollMs?: number;
  /** How long after the last successful stamp read the cache is still used, in ms. */
  trustMs?: number;
  /** The longest an entry is kept, in ms. */
  maxAgeMs?: number;
  maxEntries?: number;
  now?: () => number;
}

interface Entry<T> {
  record: T;
  at: number;
}

class RecordCache<T> {
  readonly entries = new Map<string, Entry<T>>();
  readonly #maxEntries: number;

  constructor(maxEntries: number) {
    this.#maxEntries = maxEntries;
  }

  set(key: string, record: T, at: number): void {
    if (this.entries.size >= this.#maxEntries) this.entries.clear();
    this.entries.set(key, { record, at });
  }
}

export class ConfigurationCache {
  /** The store to use for everything else: its client and API writes move the stamp. */
  readonly store: Store;
  /** The same store with cached `clients.get` and `apis.get`, for the protocol engine. */
  readonly engineStore: Store;
  readonly #inner: Store;
  readonly #clients: RecordCache<ClientRecord>;
  readonly #apis: RecordCache<ApiRecord>;
  readonly #pollMs: number;
  readonly #trustMs: number;
  readonly #maxAgeMs: number;
  readonly #now: () => number;
  // Moves on every drop, so that a read started before a drop does not store what it read after it.
  #generation = 0;
  #stamp: number | undefined;
  #checkedAt = -Infinity;
  #checkStartedAt = -Infinity;
  #checking: Promise<void> | undefined;

  constructor(store: Store, options: ConfigurationCacheOptions = {}) {
    this.#inner = store;
    this.#pollMs = options.pollMs ?? 500;
    this.#trustMs = options.trustMs ?? 2000;
    this.#maxAgeMs = options.maxAgeMs ?? 60_000;
    this.#now = options.now ?? Date.now;
    const maxEntries = options.maxEntries ?? 10_000;
    this.#clients = new RecordCache(maxEntries);
    this.#apis = new RecordCache(maxEntries);
    const clients: ClientRecords = {
      get: (id) => store.clients.get(id),
      list: () => store.clients.list(),
      create: (client) => this.#changed(store.clients.create(client)),
      replace: (client) => this.#changed(store.clients.replace(client)),
      delete: (id) => this.#changed(store.clients.delete(id)),
    };
    const apis: ApiRecords = {
      get: (audience) => store.apis.get(audience),
      list: () => store.apis.list(),
      create: (api) => this.#changed(store.apis.create(api)),
      replace: (api) => this.#changed(store.apis.replace(api)),
      delete: (audience) => this.#changed(store.apis.delete(audience)),
    };
    this.store = withRecords(store, clients, apis);
    this.engineStore = withRecords(
      store,
      { ...clients, get: (id) => this.#read(this.#clients, id, () => store.clients.get(id)) },
      { ...apis, get: (aud) => this.#read(this.#apis, aud, () => store.apis.get(aud)) },
    );
  }

  /** Resolves when no stamp read is in flight (tests). */
  async settled(): Promise<void> {
    await this.#checking;
  }

  async #read<T>(
    cache: RecordCache<T>,
    key: string,
    load: () => Promise<T | undefined>,
  ): Promise<T | undefined> {
    const now = this.#now();
    this.#poll(now);
    const trusted = now - this.#checkedAt <= this.#trustMs;
    if (trusted) {
      const entry = cache.entries.get(key);
      if (entry && now - entry.at <= this.#maxAgeMs) return entry.record;
    }
    const generation = this.#generation;
    const record = await load();
    if (record !== undefined && trusted && generation === this.#generation) {
      cache.set(key, deepFreeze(record), now);
    }
    return record;
  }

  // Starts a stamp read when the last one is `pollMs` old and none is in flight.
  #poll(now: number): void {
    if (this.#checking || now - this.#checkStartedAt < this.#pollMs) return;
    this.#checkStartedAt = now;
    const generation = this.#generation;
    this.#checking = this.#inner.counters
      .get(CONFIGURATION_STAMP)
      .then((counter) => {
        const stamp = counter?.points ?? 0;
        // Untrusted for a while, the entries may be older than changes the stamp no longer shows.
        const lapsed = now - this.#checkedAt > this.#trustMs;
        if (stamp !== this.#stamp || lapsed || generation !== this.#generation) this.#drop();
        this.#stamp = stamp;
        this.#checkedAt = now;
      })
      .catch(() => {
        // The store is unreachable: reads go to it (and fail there) once the trust runs out.
      })
      .finally(() => {
        this.#checking = undefined;
      });
  }

  // Every copy goes, not just the written one: a client's change can change what an API allows.
  async #changed<R>(write: Promise<R>): Promise<R> {
    const result = await write;
    this.#drop();
    try {
      await this.#inner.counters.add(CONFIGURATION_STAMP, 1, 0);
    } catch {
      // The write landed; other instances see it when their entries reach maxAgeMs.
    }
    return result;
  }

  #drop(): void {
    this.#generation++;
    this.#clients.entries.clear();
    this.#apis.entries.clear();
  }
}

// Everything else is the store's own (its getters too, read through the prototype).
function withRecords(store: Store, clients: ClientRecords, apis: ApiRecords): Store {
  return Object.assign(Object.create(store) as Store, { clients, apis });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
