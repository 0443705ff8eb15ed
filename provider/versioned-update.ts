// Read, change, compare-and-swap, and again when another writer got there first (see VERSIONS in
// adapters/store.ts): how every update of an account, client or API is made, so that the CLI and
// several instances can change one record at once and no change is lost.
import { NotFoundError } from './errors.ts';

/** Attempts before giving up; each one lost means another writer's change was saved meanwhile. */
const ATTEMPTS = 20;

/** Too many writers changed the record at once; nothing of this change was saved. */
export class ConcurrentUpdateError extends Error {
  readonly code = 'concurrent_update';
  constructor(what: string) {
    super(`${what} was changed by others ${ATTEMPTS} times while this change was made; try again`);
    this.name = 'ConcurrentUpdateError';
  }
}

/**
 * The record is no longer at the version the change was made against (an HTTP `If-Match` that no
 * longer holds): someone else changed it since it was read; nothing of this change was saved.
 */
export class StaleVersionError extends Error {
  readonly code = 'stale_version';
  readonly current: number;
  constructor(what: string, expected: number, current: number) {
    super(`${what} is at version ${current}, not ${expected}: it was changed meanwhile`);
    this.name = 'StaleVersionError';
    this.current = current;
  }
}

/**
 * Applies `change` to the current record (read by `read`) and stores it with `replace`, redoing both
 * on a version conflict. Answers the record as stored, with its new version. `change` may throw to
 * refuse; NotFoundError when the record does not exist (or no longer does). With `expectedVersion`,
 * the change is made only against that version: StaleVersionError when the record is at another.
 */
export async function updateVersioned<T extends { version: number }>(
  what: string,
  read: () => Promise<T | undefined>,
  change: (current: T) => T | Promise<T>,
  replace: (next: T) => Promise<boolean>,
  expectedVersion?: number,
): Promise<T> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const current = await read();
    if (!current) throw new NotFoundError(what);
    if (expectedVersion !== undefined && current.version !== expectedVersion) {
      throw new StaleVersionError(what, expectedVersion, current.version);
    }
    const next = { ...(await change(current)), version: current.version };
    if (await replace(next)) return { ...next, version: current.version + 1 };
  }
  throw new ConcurrentUpdateError(what);
}
