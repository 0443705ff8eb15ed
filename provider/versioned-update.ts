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
 * Applies `change` to the current record (read by `read`) and stores it with `replace`, redoing both
 * on a version conflict. Answers the record as stored, with its new version. `change` may throw to
 * refuse; NotFoundError when the record does not exist (or no longer does).
 */
export async function updateVersioned<T extends { version: number }>(
  what: string,
  read: () => Promise<T | undefined>,
  change: (current: T) => T | Promise<T>,
  replace: (next: T) => Promise<boolean>,
): Promise<T> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const current = await read();
    if (!current) throw new NotFoundError(what);
    const next = { ...(await change(current)), version: current.version };
    if (await replace(next)) return { ...next, version: current.version + 1 };
  }
  throw new ConcurrentUpdateError(what);
}
