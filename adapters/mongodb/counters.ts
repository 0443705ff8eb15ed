// Rate-limiter counters on MongoDB: one window document per key, unique by `_id` (the key). How a
// window's points are kept depends on what the server guarantees (see server-traits.ts):
// - atomic updates (MongoDB, DocumentDB): the points live in the window document and grow by one
//   atomic `$inc`;
// - no atomic updates (FerretDB 1.x, where a `$inc` can lose a concurrent one): every point added
//   is a numbered slot document (`<window>:<n>`) claimed by a unique insert, which is atomic
//   everywhere; the points are the window's first points plus the number of slots. The window
//   document keeps a hint of the last slot taken, so that claiming and counting look up a slot or
//   two by `_id` (FerretDB answers only `_id` lookups from an index).
// Either way a new window starts with an insert, or by replacing an expired window document that
// the TTL index or sweep has not removed yet.
import { randomBytes } from 'node:crypto';
import type { Collection } from 'mongodb';
import type { Counter, CounterRecords } from '../store.ts';
import type { CounterDoc, CounterSlotDoc } from './collections.ts';
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
  readonly #slots: Collection<CounterSlotDoc>;
  readonly #uri: MongoUriInfo;
  readonly #atomicUpdates: boolean;

  constructor(
    windows: Collection<CounterDoc>,
    slots: Collection<CounterSlotDoc>,
    uri: MongoUriInfo,
    atomicUpdates: boolean,
  ) {
    this.#windows = windows;
    this.#slots = slots;
    this.#uri = uri;
    this.#atomicUpdates = atomicUpdates;
  }

  async add(key: string, points: number, durationMs: number, reset = false): Promise<Counter> {
    const now = new Date();
    const expiresAt = durationMs > 0 ? new Date(now.getTime() + durationMs) : null;
    const fresh = newWindow(points, expiresAt);
    return guarded(this.#uri, async () => {
      if (reset) {
        await this.#windows.replaceOne({ _id: key }, fresh, { upsert: true });
        return toCounter(points, expiresAt);
      }
      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        const live = await this.#addToLive(key, points, now);
        if (live) return live;
        if (await this.#insertWindow(key, fresh)) return toCounter(points, expiresAt);
        // Where updates are not atomic two callers may both replace an expired window; one
        // window's first points are then lost, once, at a window's start.
        const replaced = await this.#windows.findOneAndUpdate(
          { _id: key, ...expired(now) },
          { $set: fresh },
          { returnDocument: 'after' },
        );
        if (replaced) return toCounter(points, expiresAt);
      }
      throw new Error(`counter ${key} kept changing under ${ATTEMPTS} attempts to add to it`);
    });
  }

  async get(key: string): Promise<Counter | undefined> {
    return guarded(this.#uri, async () => {
      const window = await this.#windows.findOne({ _id: key });
      if (!window || hasExpired(window.expiresAt, new Date())) return undefined;
      const points = this.#atomicUpdates
        ? window.points
        : window.points + (await this.#taken(window));
      return toCounter(points, window.expiresAt);
    });
  }

  async delete(key: string): Promise<boolean> {
    return guarded(this.#uri, async () => {
      const doc = await this.#windows.findOneAndDelete({ _id: key });
      if (doc && !this.#atomicUpdates) await this.#slots.deleteMany({ counter: key });
      return doc !== null && !hasExpired(doc.expiresAt, new Date());
    });
  }

  async deleteByPrefix(prefix: string): Promise<number> {
    const now = new Date();
    return guarded(this.#uri, async () => {
      const live = await this.#windows.deleteMany({ _id: startsWith(prefix), ...unexpired(now) });
      await this.#windows.deleteMany({ _id: startsWith(prefix) });
      if (!this.#atomicUpdates) await this.#slots.deleteMany({ counter: startsWith(prefix) });
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
    const live = await this.#windows.findOne({ _id: key });
    if (!live || hasExpired(live.expiresAt, now)) return undefined;
    if (points <= 0) {
      // Taking points back is not atomic here (SSO's limiters only ever add one).
      await this.#windows.updateOne({ _id: key, window: live.window }, { $inc: { points } });
      return toCounter(live.points + points + (await this.#taken(live)), live.expiresAt);
    }
    let last = live.hint;
    for (let i = 0; i < points; i++) last = await this.#claimSlot(key, live, last + 1);
    await this.#windows.updateOne({ _id: key, window: live.window }, { $max: { hint: last } });
    return toCounter(live.points + last, live.expiresAt);
  }

  // Claims the first free slot from `from` on; answers its number, which is then the number of
  // slots taken (every lower one is taken: each claimer takes the lowest free one it finds).
  async #claimSlot(key: string, window: CounterDoc, from: number): Promise<number> {
    for (let slot = from; ; slot++) {
      try {
        await this.#slots.insertOne({
          _id: `${window.window}:${slot}`,
          counter: key,
          expiresAt: window.expiresAt,
        });
        return slot;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
    }
  }

  // How many slots of the window are taken: the hint, and any taken since it was written.
  async #taken(window: CounterDoc): Promise<number> {
    let slot = window.hint;
    while (
      await this.#slots.findOne({ _id: `${window.window}:${slot + 1}` }, { projection: { _id: 1 } })
    ) {
      slot++;
    }
    return slot;
  }

  async #insertWindow(key: string, fresh: Omit<CounterDoc, '_id'>): Promise<boolean> {
    try {
      await this.#windows.insertOne({ _id: key, ...fresh });
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }
}

// A window document; `window` names this window, so that slots of an earlier one never count.
function newWindow(points: number, expiresAt: Date | null): Omit<CounterDoc, '_id'> {
  return { window: randomBytes(12).toString('base64url'), points, hint: 0, expiresAt };
}

function toCounter(points: number, expiresAt: Date | null | undefined): Counter {
  return expiresAt ? { points, expiresAt: expiresAt.getTime() } : { points };
}
