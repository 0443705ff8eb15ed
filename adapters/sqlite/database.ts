// A thin wrapper over node:sqlite: cached prepared statements, translation of SQLite errors into the
// store's typed errors, and waiting for another process's lock without blocking the event loop.
//
// node:sqlite is synchronous. SQLite's own busy handler would sleep inside a call, freezing every
// request of the server (discovery included) while another process holds the write lock. So the
// connection's busy timeout is 0: a call that meets a lock fails at once with SQLITE_BUSY, and is
// tried again on a timer, with growing pauses, until `lockWaitMs` has passed; then it fails with
// StoreUnavailableError and the caller answers 503.
import { open } from 'node:fs/promises';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { StoreConflictError, StoreUnavailableError } from '../store.ts';
import { Checkpointer, type CheckpointResult } from './checkpointer.ts';

// Primary result codes that mean "the database cannot serve this now", not "bad input":
// BUSY LOCKED READONLY IOERR CORRUPT FULL CANTOPEN NOTADB.
const UNAVAILABLE_CODES = new Set([5, 6, 8, 10, 11, 13, 14, 26]);
const BUSY_CODES = new Set([5, 6]);
// CORRUPT NOTADB: the file is damaged; it will not heal while the process runs.
const DAMAGED_CODES = new Set([11, 26]);
const SQLITE_CONSTRAINT = 19;

// The first 16 bytes of every SQLite database file.
const HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/** How long a call waits for another process's lock by default, in ms. */
export const DEFAULT_LOCK_WAIT_MS = 1000;

export interface DatabaseOptions {
  /** How long a call waits for a lock held by another connection before failing, in ms. */
  lockWaitMs?: number;
  /**
   * Whether the write-ahead log is copied back into the file on a worker thread (checkpointer.ts)
   * instead of inside a commit on the event loop. Default true for a file, false in memory.
   */
  backgroundCheckpoints?: boolean;
}

/**
 * An open database with a statement cache. Once it meets a damaged file (a statement fails with
 * SQLITE_CORRUPT or SQLITE_NOTADB, or checkFile finds the header gone), every call fails at once as
 * unavailable: what it would read can no longer be trusted, and nothing heals until an operator
 * restores the file and restarts.
 */
export class Database {
  readonly #db: DatabaseSync;
  readonly #path: string;
  readonly #statements = new Map<string, StatementSync>();
  readonly #lockWaitMs: number;
  #damaged: string | undefined;
  // Writes waiting for the next group commit (see write).
  #pending: PendingWrite[] = [];
  readonly #checkpointer: Checkpointer | undefined;
  #dataVersion: number | undefined;

  constructor(path: string, options: DatabaseOptions = {}) {
    this.#path = path;
    this.#lockWaitMs = options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS;
    this.#db = guard(() => new DatabaseSync(path));
    guard(() => {
      // Opening happens once, at start-up, before any request: a short synchronous wait is fine.
      this.#db.exec('PRAGMA busy_timeout = 2000');
      // A new, empty file gives freed pages back to the file system after each sweep (see
      // reclaimSpace); this must be set before the first table exists.
      if (this.#pageCount() === 0) this.#db.exec('PRAGMA auto_vacuum = INCREMENTAL');
      this.#db.exec('PRAGMA journal_mode = WAL');
      this.#db.exec('PRAGMA synchronous = NORMAL');
      this.#db.exec('PRAGMA foreign_keys = ON');
      // After a checkpoint the write-ahead log is cut back to this size instead of staying large.
      this.#db.exec('PRAGMA journal_size_limit = 8388608');
      this.#db.exec('PRAGMA busy_timeout = 0');
    });
    if (path !== ':memory:' && options.backgroundCheckpoints !== false) {
      guard(() => this.#db.exec('PRAGMA wal_autocheckpoint = 0'));
      // If the worker cannot run, commits copy the log back themselves, as SQLite does by default.
      this.#checkpointer = new Checkpointer(path, () => {
        if (this.#db.isOpen) this.#db.exec('PRAGMA wal_autocheckpoint = 1000');
      });
    }
  }

  /** Checkpoints done on the worker thread so far (undefined when they run inside commits). */
  get checkpoints(): { completed: number; last: CheckpointResult | undefined } | undefined {
    return this.#checkpointer?.stats;
  }

  /**
   * Whether another connection (another process: the CLI, another instance on the same file) may
   * have committed since the last call. SQLite's `data_version` moves with every commit made on
   * another connection, never with this connection's own. True on the first call, and whenever it
   * cannot be read or the file is damaged: the caller then trusts nothing it kept.
   */
  changedElsewhere(): boolean {
    if (this.#damaged !== undefined) return true;
    let version: number | undefined;
    try {
      const row = this.#prepare('PRAGMA data_version').get() as { data_version?: unknown };
      version = typeof row?.data_version === 'number' ? row.data_version : undefined;
    } catch {
      version = undefined;
    }
    const changed = version === undefined || version !== this.#dataVersion;
    this.#dataVersion = version;
    return changed;
  }

  /** Runs a write; answers how many rows it changed. */
  async run(sql: string, ...params: SQLInputValue[]): Promise<number> {
    const changes = await this.#attempt(() => Number(this.#prepare(sql).run(...params).changes));
    this.#checkpointer?.committed();
    return changes;
  }

  /**
   * Runs a single-statement write in the next group commit: every such write made during one turn
   * of the event loop lands in one transaction, committed before any of them resolves. With
   * `returning` it answers the statement's first row (an `… RETURNING` upsert), else how many rows
   * it changed. A statement that fails (a constraint) fails alone; an error that ends the
   * transaction fails every write of it, none of which landed.
   *
   * A commit costs far more than a statement (the write-ahead log is appended page by page), so
   * under load this is several times cheaper per write than a commit each, for the same
   * durability: nothing resolves before it is committed.
   */
  write(sql: string, params: SQLInputValue[], returning: true): Promise<unknown>;
  write(sql: string, params: SQLInputValue[], returning?: false): Promise<number>;
  write(sql: string, params: SQLInputValue[], returning = false): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (this.#pending.length === 0) setImmediate(() => void this.#commitPending());
      this.#pending.push({ sql, params, returning, resolve, reject });
    });
  }

  /** The first row of a query, or undefined. */
  get<T>(sql: string, ...params: SQLInputValue[]): Promise<T | undefined> {
    return this.#attempt(() => this.#prepare(sql).get(...params) as T | undefined);
  }

  /** Every row of a query. */
  all<T>(sql: string, ...params: SQLInputValue[]): Promise<T[]> {
    return this.#attempt(() => this.#prepare(sql).all(...params) as T[]);
  }

  /**
   * Runs `fn` in one immediate transaction: all of its writes land, or none. `fn` is synchronous,
   * so nothing else runs on this connection meanwhile.
   */
  async transaction<T>(fn: (db: SyncDatabase) => T): Promise<T> {
    const sync: SyncDatabase = {
      run: (sql, ...params) => Number(this.#prepare(sql).run(...params).changes),
      get: <R>(sql: string, ...params: SQLInputValue[]) =>
        this.#prepare(sql).get(...params) as R | undefined,
      exec: (sql) => this.#db.exec(sql),
    };
    const result = await this.#attempt(() => {
      this.#db.exec('BEGIN IMMEDIATE');
      try {
        const result = fn(sync);
        this.#db.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
        throw error;
      }
    });
    this.#checkpointer?.committed();
    return result;
  }

  /** Runs SQL outside any transaction (VACUUM, pragmas), waiting for locks like every call. */
  exec(sql: string): Promise<void> {
    return this.#attempt(() => this.#db.exec(sql));
  }

  /** Whether the file gives freed pages back (incremental auto-vacuum). */
  async reclaimsSpace(): Promise<boolean> {
    const row = await this.get<{ auto_vacuum: number }>('PRAGMA auto_vacuum');
    return row?.auto_vacuum === 2;
  }

  /**
   * Gives the pages freed by deletions back to the file system and cuts the write-ahead log back.
   * Best effort: if another process holds the database, the next sweep does it.
   */
  async reclaimSpace(): Promise<void> {
    try {
      await this.exec('PRAGMA incremental_vacuum');
      // On the worker when there is one: copying the whole log back and syncing is slow.
      if (!(await this.#checkpointer?.truncate())) this.#db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw translate(error);
    }
  }

  /**
   * Checks that the file on disk still starts as a SQLite database (a cheap check: reads served
   * from the cache would not notice a file overwritten underneath). Marks the database damaged and
   * throws StoreUnavailableError when it does not.
   */
  async checkFile(): Promise<void> {
    this.#throwIfDamaged();
    if (this.#path === ':memory:') return;
    const header = Buffer.alloc(HEADER.length);
    const file = await open(this.#path, 'r');
    try {
      await file.read(header, 0, HEADER.length, 0);
    } finally {
      await file.close();
    }
    if (!header.equals(HEADER)) {
      this.#damaged = 'the database file is not a SQLite database any more';
      this.#throwIfDamaged();
    }
  }

  /** Closes the checkpoint worker's connection, then this one (which checkpoints a last time). */
  async close(): Promise<void> {
    await this.#checkpointer?.close();
    this.#statements.clear();
    if (this.#db.isOpen) this.#db.close();
  }

  async #commitPending(): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    let outcomes: Outcome[] = [];
    try {
      await this.#attempt(() => {
        outcomes = [];
        this.#db.exec('BEGIN IMMEDIATE');
        try {
          for (const write of batch) {
            try {
              const statement = this.#prepare(write.sql);
              outcomes.push({
                value: write.returning
                  ? statement.get(...write.params)
                  : Number(statement.run(...write.params).changes),
              });
            } catch (error) {
              // Still in the transaction: only this statement was undone.
              if (!this.#db.isTransaction) throw error;
              this.#noteDamage(error);
              outcomes.push({ error: translate(error) });
            }
          }
          this.#db.exec('COMMIT');
        } catch (error) {
          if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
          throw error;
        }
      });
    } catch (error) {
      for (const write of batch) write.reject(error);
      return;
    }
    this.#checkpointer?.committed();
    batch.forEach((write, i) => {
      const outcome = outcomes[i]!;
      if ('error' in outcome) write.reject(outcome.error);
      else write.resolve(outcome.value);
    });
  }

  #noteDamage(error: unknown): void {
    const code = sqliteCode(error);
    if (code !== undefined && DAMAGED_CODES.has(code)) {
      const { message } = error as { message?: unknown };
      this.#damaged = typeof message === 'string' ? message : 'the database file is damaged';
    }
  }

  #throwIfDamaged(): void {
    if (this.#damaged !== undefined) {
      throw new StoreUnavailableError(`embedded store unavailable: ${this.#damaged}`);
    }
  }

  #pageCount(): number {
    const row = this.#db.prepare('PRAGMA page_count').get() as { page_count: number } | undefined;
    return row?.page_count ?? 0;
  }

  #prepare(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  // Runs `fn`; while it meets another connection's lock, tries again on a timer until the wait is
  // used up. Never sleeps on the event loop.
  async #attempt<T>(fn: () => T): Promise<T> {
    this.#throwIfDamaged();
    const deadline = Date.now() + this.#lockWaitMs;
    let pause = 2;
    for (;;) {
      try {
        return fn();
      } catch (error) {
        this.#noteDamage(error);
        if (!isBusy(error)) throw translate(error);
        if (Date.now() >= deadline) {
          throw new StoreUnavailableError(
            'embedded store unavailable: the database is locked by another process',
            { cause: error },
          );
        }
        // Our own checkpoint worker holds the lock only for the end of a checkpoint: go on as soon
        // as it is done. Another process's lock may last: wait for it with growing pauses.
        const checkpoint = this.#checkpointer?.settled();
        if (checkpoint) {
          await Promise.race([checkpoint, sleep(Math.max(0, deadline - Date.now()))]);
        } else {
          await sleep(pause);
          pause = Math.min(pause * 2, 50);
        }
      }
    }
  }
}

interface PendingWrite {
  sql: string;
  params: SQLInputValue[];
  returning: boolean;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

type Outcome = { value: unknown } | { error: unknown };

/** The synchronous calls available inside a transaction. */
export interface SyncDatabase {
  run(sql: string, ...params: SQLInputValue[]): number;
  get<T>(sql: string, ...params: SQLInputValue[]): T | undefined;
  exec(sql: string): void;
}

function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw translate(error);
  }
}

function sqliteCode(error: unknown): number | undefined {
  // Checked by shape, not instanceof: errors from node:sqlite may come from another realm.
  if (typeof error !== 'object' || error === null || !('errcode' in error)) return undefined;
  return typeof error.errcode === 'number' ? error.errcode & 0xff : undefined;
}

function isBusy(error: unknown): boolean {
  const code = sqliteCode(error);
  return code !== undefined && BUSY_CODES.has(code);
}

// "UNIQUE constraint failed: accounts.email" names the column; the store reports its field name.
function translate(error: unknown): unknown {
  const primary = sqliteCode(error);
  if (primary === undefined || !(error as { message?: unknown }).message) return error;
  const message = String((error as { message: unknown }).message);
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
