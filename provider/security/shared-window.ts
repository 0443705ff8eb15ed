// Request counting for the endpoint limits, shared by every instance on a store without a store
// write per request. Requests are counted in fixed windows (aligned to the clock, so every instance
// uses the same window and the same store counter without talking to the others). Each instance
// counts locally and, every SYNC_MS, adds what it counted to the store's counter for the window and
// learns the total of all instances from the answer (an atomic add, see adapters/store.ts).
//
// A request is allowed while the last known total plus this instance's count since then is under
// the limit. One instance is therefore exact; several can together let through what the others
// counted in the last SYNC_MS beyond the limit, never more. For guessing passwords, where every
// attempt must count at once, sign-in-guard.ts writes each attempt instead.
import type { CounterRecords } from '../../adapters/store.ts';

/** How often counts go to the store and totals come back, ms. */
export const SYNC_MS = 250;

interface Tally {
  windowEnd: number;
  /** The total of all instances the store last answered, for this window. */
  known: number;
  /** Counted here and not yet added to the store. */
  pending: number;
  /** Being added to the store right now. */
  sending: number;
}

/** A limit of `points` per `windowSeconds` per key, shared through `counters`. */
export class SharedWindowLimit {
  readonly points: number;
  readonly #counters: CounterRecords;
  readonly #prefix: string;
  readonly #windowMs: number;
  readonly #tallies = new Map<string, Tally>();
  readonly #onError: (error: unknown) => void;
  #timer: NodeJS.Timeout | undefined;
  #syncing: Promise<void> | undefined;

  constructor(
    counters: CounterRecords,
    prefix: string,
    points: number,
    windowSeconds: number,
    onError: (error: unknown) => void,
  ) {
    this.#counters = counters;
    this.#prefix = prefix;
    this.points = points;
    this.#windowMs = windowSeconds * 1000;
    this.#onError = onError;
  }

  /** Counts one request of `key`; answers 0 when it is allowed, else the seconds to wait. */
  hit(key: string, now = Date.now()): number {
    const tally = this.#tally(key, now);
    if (tally.known + tally.pending + tally.sending >= this.points) return this.#wait(tally, now);
    tally.pending++;
    this.#schedule();
    return 0;
  }

  /** Counts one request of `key` that has already been let through. */
  count(key: string, now = Date.now()): void {
    this.#tally(key, now).pending++;
    this.#schedule();
  }

  /** The seconds `key` must wait when it has used up the window, else 0; counts nothing. */
  peek(key: string, now = Date.now()): number {
    const tally = this.#tallies.get(key);
    if (!tally || tally.windowEnd <= now) return 0;
    return tally.known + tally.pending + tally.sending >= this.points ? this.#wait(tally, now) : 0;
  }

  /**
   * Sends what was counted and learns the totals now (the timer does this every SYNC_MS); waits for
   * a sync already under way first.
   */
  async sync(now = Date.now()): Promise<void> {
    while (this.#syncing) await this.#syncing;
    this.#syncing = this.#sync(now);
    try {
      await this.#syncing;
    } finally {
      this.#syncing = undefined;
    }
  }

  async #sync(now: number): Promise<void> {
    try {
      await Promise.all(
        [...this.#tallies].map(async ([key, tally]) => {
          if (tally.windowEnd <= now) {
            if (tally.pending === 0) this.#tallies.delete(key);
            return;
          }
          // What others counted matters only near the limit: far from it, nothing is asked.
          if (tally.pending === 0 && tally.known < this.points / 2) return;
          const storeKey = `${this.#prefix}:${key}:${tally.windowEnd}`;
          const sending = tally.pending;
          tally.pending = 0;
          tally.sending = sending;
          try {
            const counter =
              sending > 0
                ? await this.#counters.add(storeKey, sending, tally.windowEnd - now)
                : await this.#counters.get(storeKey);
            if (counter) tally.known = Math.max(tally.known, counter.points);
            else if (sending > 0) tally.known += sending;
          } catch (error) {
            tally.pending += sending; // tried again at the next sync
            throw error;
          } finally {
            tally.sending = 0;
          }
        }),
      );
    } catch (error) {
      this.#onError(error);
    }
  }

  /** Stops the timer (after a last sync). */
  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.sync();
  }

  #tally(key: string, now: number): Tally {
    const windowEnd = (Math.floor(now / this.#windowMs) + 1) * this.#windowMs;
    let tally = this.#tallies.get(key);
    if (!tally || tally.windowEnd !== windowEnd) {
      tally = { windowEnd, known: 0, pending: 0, sending: 0 };
      this.#tallies.set(key, tally);
    }
    return tally;
  }

  #wait(tally: Tally, now: number): number {
    return Math.max(1, Math.ceil((tally.windowEnd - now) / 1000));
  }

  // A sync every SYNC_MS while anything is being counted; the timer never keeps the process up.
  #schedule(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.sync().finally(() => {
        const now = Date.now();
        const busy = [...this.#tallies.values()].some(
          (tally) => tally.windowEnd > now && (tally.pending > 0 || tally.known >= this.points / 2),
        );
        if (busy) this.#schedule();
      });
    }, SYNC_MS);
    this.#timer.unref();
  }
}
