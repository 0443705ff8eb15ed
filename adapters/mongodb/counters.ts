// Rate-limiter counters on MongoDB: one window document per key, unique by `_id` (the key). How a
// window's points are kept depends on what the server guarantees (see server-traits.ts):
// - atomic updates (MongoDB, DocumentDB): the points live in the window document and grow by one
//   atomic `$inc`;
// - no atomic updates (FerretDB 1.x, where a `$inc` can lose a concurrent one): every add inserts a
//   hit document into `counter_hits`, and the points are the sum of the window's hits. Inserts are
//   atomic everywhere, so no add is lost; a sum read while others add may already include theirs,
//   which errs on the side of limiting.
// Either way a new window starts with an insert, or by replacing an expired window document that
// the TTL index or sweep has not removed yet.
import { randomBytes } from 'node:crypto';
import type { Collection } from 'mongodb';
import type { Counter, CounterRecords } from '../store.ts';
import type { CounterDoc, CounterHitDoc } from './collections.ts';
import { guarded, isDuplicateKey } from './errors.ts';
import { expired, hasExpired, unexpired } from './expiry.ts';
import { startsWith } from './prefix.ts';
import type { MongoUriInfo } from './uri.ts';

// Each round either finds a live window, inserts one, or replaces an expired one; losing all three
// races this many times in a row does not happen in practice.
const ATTEMPTS = 5;

/** The MongoDB backend's counters. */
export class MongoCounters implements CounterRecords {
  readonly #windows: Collection<CounterDoc>;
  readonly #hits: Collection<CounterHitDoc>;
  readonly #uri: MongoUriInfo;
  readonly #atomicUpdates: boolean;

  constructor(
    windows: Collection<CounterDoc>,
    hits: Collection<CounterHitDoc>,
    uri: MongoUriInfo,
    atomicUpdates: boolean,
  ) {
    this.#windows = windows;
    this.#hits = hits;
    this.#uri = uri;
    this.#atomicUpdates = atomicUpdates;
  }

  async add(key: string, points: number, durationMs: number, reset = false): Promise<Counter> {
    const now = new Date();
    const expiresAt = durationMs > 0 ? new Date(now.getTime() + durationMs) : null;
    return guarded(this.#uri, async () => {
      if (reset) return this.#startWindow(key, points, expiresAt);
      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        const live = await this.#addToLive(key, points, now);
        if (live) return live;
        const fresh = newWindow(points, expiresAt);
        if (await this.#insertWindow(key, fresh)) return toCounter(points, expiresAt);
        const replaced = await this.#windows.findOneAndUpdate(
          { _id: key, ...expired(now) },
          { $set: fresh },
          { returnDocument: 'after' },
        );
        if (replaced) {
          await this.#hit(key, replaced, points);
          return toCounter(points, expiresAt);
        }
      }
      throw new Error(`counter ${key} kept changing under ${ATTEMPTS} attempts to add to it`);
    });
  }

  async get(key: string): Promise<Counter | undefined> {
    return guarded(this.#uri, async () => {
      const window = await this.#windows.findOne({ _id: key, ...unexpired(new Date()) });
      if (!window) return undefined;
      const points = this.#atomicUpdates ? window.points : await this.#sum(window.window);
      return toCounter(points, window.expiresAt);
    });
  }

  async delete(key: string): Promise<boolean> {
    return guarded(this.#uri, async () => {
      const doc = await this.#windows.findOneAndDelete({ _id: key });
      if (doc && !this.#atomicUpdates) await this.#hits.deleteMany({ counter: key });
      return doc !== null && !hasExpired(doc.expiresAt, new Date());
    });
  }

  async deleteByPrefix(prefix: string): Promise<number> {
    const now = new Date();
    return guarded(this.#uri, async () => {
      const live = await this.#windows.deleteMany({ _id: startsWith(prefix), ...unexpired(now) });
      await this.#windows.deleteMany({ _id: startsWith(prefix) });
      if (!this.#atomicUpdates) await this.#hits.deleteMany({ counter: startsWith(prefix) });
      return live.deletedCount;
    });
  }

  // Adds to the live window of `key`, if there is one, and answers the counter after the add.
  async #addToLive(key: string, points: number, now: Date): Promise<Counter | undefined> {
    if (this.#atomicUpdates) {
      const live = await this.#windows.findOneAndUpdate(
        { _id: key, ...unexpired(now) },
        { $inc: { points } },
        { returnDocument: 'after' },
      );
      return live ? toCounter(live.points, live.expiresAt) : undefined;
    }
    const live = await this.#windows.findOne({ _id: key, ...unexpired(now) });
    if (!live) return undefined;
    await this.#hit(key, live, points);
    return toCounter(await this.#sum(live.window), live.expiresAt);
  }

  // Replaces whatever `key` holds by a window of `points`.
  async #startWindow(key: string, points: number, expiresAt: Date | null): Promise<Counter> {
    const fresh = newWindow(points, expiresAt);
    await this.#windows.replaceOne({ _id: key }, fresh, { upsert: true });
    if (!this.#atomicUpdates) await this.#hit(key, fresh, points);
    return toCounter(points, expiresAt);
  }

  async #insertWindow(key: string, fresh: Omit<CounterDoc, '_id'>): Promise<boolean> {
    try {
      await this.#windows.insertOne({ _id: key, ...fresh });
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
    if (!this.#atomicUpdates) await this.#hit(key, fresh, fresh.points);
    return true;
  }

  // Records `points` in the window's hits (servers without atomic updates only).
  async #hit(key: string, window: Omit<CounterDoc, '_id'>, points: number): Promise<void> {
    if (this.#atomicUpdates) return;
    await this.#hits.insertOne({
      _id: randomBytes(12).toString('base64url'),
      counter: key,
      window: window.window,
      points,
      expiresAt: window.expiresAt ?? null,
    });
  }

  async #sum(window: string): Promise<number> {
    const [total] = await this.#hits
      .aggregate<{ points: number }>([
        { $match: { window } },
        { $group: { _id: null, points: { $sum: '$points' } } },
      ])
      .toArray();
    return total?.points ?? 0;
  }
}

// A window document; `window` names this window, so that hits of an earlier one never count.
function newWindow(points: number, expiresAt: Date | null): Omit<CounterDoc, '_id'> {
  return { window: randomBytes(12).toString('base64url'), points, expiresAt };
}

function toCounter(points: number, expiresAt: Date | null | undefined): Counter {
  return expiresAt ? { points, expiresAt: expiresAt.getTime() } : { points };
}
