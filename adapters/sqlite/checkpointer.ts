// Copies the write-ahead log back into the database file on a worker thread, with its own
// connection, so that the event loop never does it.
//
// With SQLite's automatic checkpoint, the commit that takes the log past 1000 pages also copies
// them into the database file and syncs both files, inside a synchronous call: every request of the
// process waits several milliseconds for it. Here the server's connection turns the automatic
// checkpoint off, and after every CHECKPOINT_EVERY commits asks the worker for a checkpoint in two
// steps: a passive one copies the bulk without waiting for or blocking the writer; then a restart
// copies the few pages committed meanwhile while holding the write lock (a server write that meets
// the lock goes on when the worker answers, see `settled` and database.ts), so that the next write
// starts the log from its beginning again. A passive checkpoint alone would never catch up with a busy writer, and the
// log would grow without end.
import { Worker } from 'node:worker_threads';

/** Commits between two checkpoint requests. */
export const CHECKPOINT_EVERY = 64;

// Plain JavaScript, evaluated by the worker (no module loader, no type stripping needed).
const WORKER_SOURCE = `
const { DatabaseSync } = require('node:sqlite');
const { parentPort, workerData } = require('node:worker_threads');
const db = new DatabaseSync(workerData.path);
// This thread may wait for a lock: nothing else runs on it.
db.exec('PRAGMA busy_timeout = 5000');
db.exec('PRAGMA synchronous = NORMAL');
const bulk = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const restart = db.prepare('PRAGMA wal_checkpoint(RESTART)');
const truncate = db.prepare('PRAGMA wal_checkpoint(TRUNCATE)');
parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    let row;
    if (message === 'truncate') {
      row = truncate.get();
    } else {
      bulk.get();
      row = restart.get();
    }
    parentPort.postMessage({ log: row.log, checkpointed: row.checkpointed, busy: row.busy === 1 });
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message || error) });
  }
});
`;

/** What the last checkpoint did, for tests and diagnostics. */
export interface CheckpointResult {
  /** Pages in the log when it ran. */
  log: number;
  /** Pages of it that are in the database file now. */
  checkpointed: number;
  /** Whether the restart gave up waiting for a lock (another process's); the next one tries again. */
  busy: boolean;
}

/**
 * Requests checkpoints from a worker thread, one at a time. Started on the first request, so a
 * connection that commits little (a CLI call, most tests) never starts a thread. If the worker
 * cannot run, `onFailure` is called once and the caller goes back to automatic checkpoints.
 */
export class Checkpointer {
  readonly #path: string;
  readonly #onFailure: () => void;
  #worker: Worker | undefined;
  #commits = 0;
  #inFlight = false;
  // Callers waiting for the checkpoint in flight to end.
  #waiting: (() => void)[] = [];
  #failed = false;
  // What to do with each answer of the worker, in the order of the requests (it answers in order).
  #replies: ((message: CheckpointResult | { error: string }) => void)[] = [];
  #last: CheckpointResult | undefined;
  #count = 0;

  constructor(path: string, onFailure: () => void) {
    this.#path = path;
    this.#onFailure = onFailure;
  }

  /** Counts a commit; asks for a checkpoint every CHECKPOINT_EVERY of them. */
  committed(): void {
    if (this.#failed) return;
    this.#commits++;
    if (this.#commits >= CHECKPOINT_EVERY && !this.#inFlight) this.#request();
  }

  /**
   * Copies the whole log back and cuts the file to nothing, on the worker; resolves when done.
   * Best effort: false when the worker cannot run or another connection kept the log in use.
   */
  async truncate(): Promise<boolean> {
    if (this.#failed) return false;
    const worker = this.#start();
    if (!worker) return false;
    const reply = new Promise<CheckpointResult | { error: string }>((resolve) =>
      this.#replies.push(resolve),
    );
    worker.postMessage('truncate');
    const message = await reply;
    return !('error' in message) && !message.busy;
  }

  /**
   * When a checkpoint is running (it holds the write lock at its end), a promise that resolves when
   * it is over; else undefined. A write that met the lock waits for this instead of a timer.
   */
  settled(): Promise<void> | undefined {
    if (!this.#inFlight) return undefined;
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** How many checkpoints have completed, and what the last one did. */
  get stats(): { completed: number; last: CheckpointResult | undefined } {
    return { completed: this.#count, last: this.#last };
  }

  /** Stops the worker after its current checkpoint, closing its connection first. */
  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    // Keeps the process alive until the worker has closed its connection.
    worker.ref();
    worker.postMessage('close');
    await exited;
  }

  #request(): void {
    this.#commits = 0;
    const worker = this.#start();
    if (!worker) return;
    this.#inFlight = true;
    this.#replies.push((message) => {
      this.#settle();
      if ('error' in message) return; // locked by another process: the next request tries again
      this.#count++;
      this.#last = message;
    });
    worker.postMessage('checkpoint');
  }

  #start(): Worker | undefined {
    if (this.#worker) return this.#worker;
    try {
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { path: this.#path },
        // It runs three pragmas: small heaps (the thread still costs about 15 MiB of RSS).
        resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 1 },
      });
      // A process that forgets to close its store still exits.
      worker.unref();
      worker.on('message', (message: CheckpointResult | { error: string }) => {
        this.#replies.shift()?.(message);
      });
      worker.on('error', () => this.#fail());
      worker.on('exit', () => {
        this.#settle();
        if (this.#worker === worker) this.#fail();
        for (const reply of this.#replies.splice(0)) reply({ error: 'the worker stopped' });
      });
      this.#worker = worker;
      return worker;
    } catch {
      this.#fail();
      return undefined;
    }
  }

  #settle(): void {
    this.#inFlight = false;
    for (const resolve of this.#waiting.splice(0)) resolve();
  }

  // An 'error' is always followed by 'exit', which answers the requests still waiting.
  #fail(): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#worker = undefined;
    this.#onFailure();
  }
}
