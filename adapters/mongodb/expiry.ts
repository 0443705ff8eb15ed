// Expiry of oidc records. A TTL index removes expired documents where the server has one (within
// about a minute); where it has none, a periodic sweep does. Reads never rely on either: every read
// filters on `expiresAt` itself.
import type { Collections } from './collections.ts';

/** The filter that keeps only records unexpired at `now` (no expiresAt, or one after now). */
export function unexpired(now: Date) {
  return { $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }] };
}

/** The filter that keeps only records expired at `now`. */
export function expired(now: Date) {
  return { expiresAt: { $lte: now } };
}

/** When a record written at `now` with `expiresIn` seconds expires; undefined for never. */
export function expiryOf(now: number, expiresIn: number | undefined): Date | undefined {
  return expiresIn === undefined ? undefined : new Date(now + expiresIn * 1000);
}

/** Whether a document's `expiresAt` has passed at `now`. */
export function hasExpired(expiresAt: Date | null | undefined, now: Date): boolean {
  // Not instanceof: dates decoded by the driver may come from another realm.
  return typeof expiresAt?.getTime === 'function' && expiresAt.getTime() <= now.getTime();
}

/**
 * Removes expired oidc records, single-use marks, counters and audit events; answers how many oidc
 * records it removed (the rest is bookkeeping and not counted).
 */
export async function sweepExpired(collections: Collections): Promise<number> {
  const now = new Date();
  const [removed] = await Promise.all([
    Promise.all([...collections.oidc.values()].map((c) => c.deleteMany(expired(now)))),
    collections.singleUse.deleteMany(expired(now)),
    collections.counters.deleteMany(expired(now)),
    collections.counterSlots.deleteMany(expired(now)),
    collections.audit.deleteMany(expired(now)),
  ]);
  return removed.reduce((sum, result) => sum + result.deletedCount, 0);
}

/** A running periodic sweep. */
export interface Sweeper {
  stop(): void;
}

/**
 * Runs `sweep` every `intervalMs` on an unref'd timer (it never keeps the process alive), one run
 * at a time; a failed run is reported to `onError` and the next one goes ahead as planned.
 */
export function startSweeper(
  sweep: () => Promise<unknown>,
  intervalMs: number,
  onError: (error: unknown) => void,
): Sweeper {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweep()
      .catch(onError)
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
