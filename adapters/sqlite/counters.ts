// Rate-limiter counters on SQLite: one row per key, changed by single upsert statements so that
// concurrent adds (from this process or another on the same file) are never lost.
import type { Counter, CounterRecords } from '../store.ts';
import type { Database } from './database.ts';

interface Row {
  points: number;
  expires_at: number | null;
}

const ADD = `INSERT INTO counters (key, points, expires_at) VALUES (?, ?, ?)
  ON CONFLICT (key) DO UPDATE SET
    points = CASE WHEN expires_at IS NULL OR expires_at > ? THEN points + excluded.points
             ELSE excluded.points END,
    expires_at = CASE WHEN expires_at IS NULL OR expires_at > ? THEN expires_at
                 ELSE excluded.expires_at END
  RETURNING points, expires_at`;

const RESET = `INSERT INTO counters (key, points, expires_at) VALUES (?, ?, ?)
  ON CONFLICT (key) DO UPDATE SET points = excluded.points, expires_at = excluded.expires_at
  RETURNING points, expires_at`;

const LIVE = '(expires_at IS NULL OR expires_at > ?)';

/** The embedded backend's counters. */
export class SqliteCounters implements CounterRecords {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async add(key: string, points: number, durationMs: number, reset = false): Promise<Counter> {
    const now = Date.now();
    const expiresAt = durationMs > 0 ? now + durationMs : null;
    const row = reset
      ? await this.#db.write(RESET, [key, points, expiresAt], true)
      : await this.#db.write(ADD, [key, points, expiresAt, now, now], true);
    return toCounter(row as Row);
  }

  async get(key: string): Promise<Counter | undefined> {
    const row = await this.#db.get<Row>(
      `SELECT points, expires_at FROM counters WHERE key = ? AND ${LIVE}`,
      key,
      Date.now(),
    );
    return row ? toCounter(row) : undefined;
  }

  async delete(key: string): Promise<boolean> {
    const live = await this.#db.run(
      `DELETE FROM counters WHERE key = ? AND ${LIVE}`,
      key,
      Date.now(),
    );
    await this.#db.run('DELETE FROM counters WHERE key = ?', key);
    return live === 1;
  }

  async deleteByPrefix(prefix: string): Promise<number> {
    const [from, to] = prefixRange(prefix);
    const live = await this.#db.run(
      `DELETE FROM counters WHERE key >= ? AND key < ? AND ${LIVE}`,
      from,
      to,
      Date.now(),
    );
    await this.#db.run('DELETE FROM counters WHERE key >= ? AND key < ?', from, to);
    return live;
  }

  /** Removes expired counters; answers how many. */
  sweepExpired(): Promise<number> {
    return this.#db.run(
      'DELETE FROM counters WHERE expires_at IS NOT NULL AND expires_at <= ?',
      Date.now(),
    );
  }
}

function toCounter(row: Row): Counter {
  return row.expires_at === null
    ? { points: row.points }
    : { points: row.points, expiresAt: row.expires_at };
}

/**
 * The keys starting with `prefix` are exactly those in [prefix, bound): under SQLite's binary
 * collation (UTF-8 byte order, which is code point order) the bound is the prefix with its last
 * character replaced by the next one. An index answers the range; LIKE would need escaping and
 * would not use it.
 */
export function prefixRange(prefix: string): [string, string] {
  const last = prefix.codePointAt(prefix.length - 1);
  if (!prefix || last === undefined || last >= 0xd800) {
    throw new RangeError('a counter prefix must be non-empty and end with a BMP character');
  }
  return [prefix, prefix.slice(0, -1) + String.fromCodePoint(last + 1)];
}
