// A thin wrapper over node:sqlite: cached prepared statements and translation of SQLite errors into
// the store's typed errors.
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { StoreConflictError, StoreUnavailableError } from '../store.ts';

// Primary SQLite result codes that mean "the database cannot serve this now", not "bad input".
const UNAVAILABLE_CODES = new Set([5, 6, 8, 10, 13, 14]); // BUSY LOCKED READONLY IOERR FULL CANTOPEN
const SQLITE_CONSTRAINT = 19;

/** An open database with a statement cache. */
export class Database {
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();

  constructor(path: string) {
    this.#db = guard(() => new DatabaseSync(path));
    guard(() => {
      this.#db.exec('PRAGMA journal_mode = WAL');
      this.#db.exec('PRAGMA busy_timeout = 5000');
      this.#db.exec('PRAGMA synchronous = NORMAL');
      this.#db.exec('PRAGMA foreign_keys = ON');
    });
  }

  /** Runs a write; answers how many rows it changed. */
  run(sql: string, ...params: SQLInputValue[]): number {
    return guard(() => Number(this.#prepare(sql).run(...params).changes));
  }

  /** The first row of a query, or undefined. */
  get<T>(sql: string, ...params: SQLInputValue[]): T | undefined {
    return guard(() => this.#prepare(sql).get(...params) as T | undefined);
  }

  /** Every row of a query. */
  all<T>(sql: string, ...params: SQLInputValue[]): T[] {
    return guard(() => this.#prepare(sql).all(...params) as T[]);
  }

  /** Runs `fn` in one immediate transaction: all of its writes land, or none. */
  transaction<T>(fn: () => T): T {
    guard(() => this.#db.exec('BEGIN IMMEDIATE'));
    try {
      const result = fn();
      guard(() => this.#db.exec('COMMIT'));
      return result;
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  exec(sql: string): void {
    guard(() => this.#db.exec(sql));
  }

  close(): void {
    this.#statements.clear();
    if (this.#db.isOpen) this.#db.close();
  }

  #prepare(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }
}

function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw translate(error);
  }
}

// "UNIQUE constraint failed: accounts.email" names the column; the store reports its field name.
function translate(error: unknown): unknown {
  // Checked by shape, not instanceof: errors from node:sqlite may come from another realm.
  if (typeof error !== 'object' || error === null || !('errcode' in error)) return error;
  if (typeof error.errcode !== 'number' || !('message' in error)) return error;
  const message = String(error.message);
  const primary = error.errcode & 0xff;
  if (primary === SQLITE_CONSTRAINT) {
    const column = /constraint failed: \w+\.(\w+)/.exec(message)?.[1] ?? 'id';
    return new StoreConflictError(FIELD_NAMES[column] ?? column);
  }
  if (UNAVAILABLE_CODES.has(primary)) {
    return new StoreUnavailableError(`embedded store unavailable: ${message}`, {
      cause: error,
    });
  }
  return error;
}

const FIELD_NAMES: Record<string, string> = {
  client_id: 'clientId',
  audience: 'audience',
  username: 'username',
  email: 'email',
  id: 'id',
};
