// The write-ahead log is copied back into the database file by the worker thread, not inside
// commits on the event loop, and the log stays small under a stream of commits.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { CHECKPOINT_EVERY } from './checkpointer.ts';
import { Database } from './database.ts';

describe('background checkpoints', () => {
  let dir: string;
  let path: string;
  const opened: Database[] = [];

  const open = (options: ConstructorParameters<typeof Database>[1] = {}) => {
    const db = new Database(path, options);
    opened.push(db);
    return db;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sso-checkpoint-'));
    path = join(dir, 'db.sqlite');
  });
  afterEach(async () => {
    for (const db of opened.splice(0)) await db.close();
    await rm(dir, { recursive: true, force: true });
  });

  const autocheckpoint = async (db: Database) =>
    (await db.get<{ wal_autocheckpoint: number }>('PRAGMA wal_autocheckpoint'))?.wal_autocheckpoint;

  const until = async (check: () => boolean) => {
    const deadline = Date.now() + 10_000;
    while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return check();
  };

  test('commits never checkpoint themselves; the worker copies the log back and it stays small', async () => {
    const db = open();
    await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
    expect(await autocheckpoint(db)).toBe(0);
    expect(db.checkpoints).toEqual({ completed: 0, last: undefined });

    // About 3 pages per commit: 6,000 pages (24 MB) of log for 2,000 commits if nothing copied
    // it back. They come faster than a busy machine's worker checkpoints.
    const body = 'x'.repeat(8000);
    for (let i = 0; i < 2000; i++) await db.write('INSERT INTO t (body) VALUES (?)', [body]);
    // Then writes at a human pace until a checkpoint asked for after the burst has restarted the
    // log (the one in flight when the burst ended may have found most of it).
    const afterBurst = db.checkpoints!.completed;
    let rows = 2000;
    const deadline = Date.now() + 30_000;
    const settled = () =>
      db.checkpoints!.completed >= afterBurst + 2 && db.checkpoints!.last?.busy === false;
    while (!settled() && Date.now() < deadline) {
      await db.write('INSERT INTO t (body) VALUES (?)', ['pad']);
      rows++;
      await new Promise((r) => setTimeout(r, 2));
    }
    expect(settled()).toBe(true);
    // Each checkpoint copied back all of the log it found.
    const last = db.checkpoints!.last!;
    expect(last.checkpointed).toBe(last.log);
    expect(last.log).toBeGreaterThan(0);
    // The next write starts the log again, and the file is cut back to journal_size_limit (8 MiB),
    // where it would hold some 24 MB if nothing had copied it back.
    await db.write('INSERT INTO t (body) VALUES (?)', ['last']);
    rows++;
    expect((await stat(`${path}-wal`)).size).toBeLessThanOrEqual(8 * 1024 * 1024);

    // Another connection sees every row, and after closing nothing is lost.
    const other = new DatabaseSync(path);
    expect(other.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: rows });
    other.close();
    // A sweep's truncation runs on the worker and leaves an empty log.
    await db.reclaimSpace();
    expect((await stat(`${path}-wal`)).size).toBe(0);
    await db.close();
    const reopened = new DatabaseSync(path);
    expect(reopened.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: rows });
    reopened.close();
  });

  test(`the first checkpoint is asked for at commit ${CHECKPOINT_EVERY}, not before; without background checkpoints, commits do them`, async () => {
    const quiet = open();
    await quiet.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
    for (let i = 0; i < CHECKPOINT_EVERY - 1; i++) await quiet.run('INSERT INTO t DEFAULT VALUES');
    // Time enough for a worker to start and answer, had one been asked.
    await new Promise((r) => setTimeout(r, 1000));
    expect(quiet.checkpoints).toEqual({ completed: 0, last: undefined });
    await quiet.run('INSERT INTO t DEFAULT VALUES');
    expect(await until(() => (quiet.checkpoints?.completed ?? 0) === 1)).toBe(true);

    const inline = open({ backgroundCheckpoints: false });
    expect(await autocheckpoint(inline)).toBe(1000);
    expect(inline.checkpoints).toBeUndefined();
    const memory = new Database(':memory:');
    expect(memory.checkpoints).toBeUndefined();
    await memory.close();
  });

  test('closing waits for the worker, and the last close leaves no log behind', async () => {
    const db = open();
    await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)');
    for (let i = 0; i < CHECKPOINT_EVERY * 3; i++) {
      await db.transaction((tx) => tx.run('INSERT INTO t (body) VALUES (?)', 'y'.repeat(500)));
    }
    expect(await until(() => (db.checkpoints?.completed ?? 0) >= 1)).toBe(true);
    await db.close();
    // SQLite deletes the log when its last connection closes: the worker's was closed first.
    await expect(stat(`${path}-wal`)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
