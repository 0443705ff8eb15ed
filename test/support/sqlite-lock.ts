// Another process holding the embedded store's write lock, as a backup tool or a stuck CLI would:
// a child Node process that opens the file, begins an immediate transaction and keeps it open until
// released.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

const HOLDER = `
const { DatabaseSync } = require('node:sqlite');
const db = new DatabaseSync(process.argv[1]);
db.exec('BEGIN IMMEDIATE');
process.stdout.write('locked\\n');
process.stdin.on('end', () => { db.exec('ROLLBACK'); db.close(); process.exit(0); });
process.stdin.resume();
`;

/** A lock held by another process until `release()`. */
export interface HeldLock {
  release(): Promise<void>;
}

/** Holds the write lock of the SQLite file at `path` from another process. */
export async function holdSqliteLock(path: string): Promise<HeldLock> {
  const child: ChildProcess = spawn(process.execPath, ['-e', HOLDER, path], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`lock holder exited with ${code}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('locked')) resolve();
    });
  });
  return {
    async release() {
      if (child.exitCode !== null) return;
      child.stdin!.end();
      await once(child, 'exit');
    },
  };
}
