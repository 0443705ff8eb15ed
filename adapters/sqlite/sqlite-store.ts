// The embedded default store: one SQLite file (WAL mode) in the data directory, created on first use.
// It holds private keys and client secrets (encrypted, see provider/keys/secrets-at-rest.ts), so the
// directory is created readable by its owner only, and so is the file.
import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { StoreUnavailableError, type Store } from '../store.ts';
import { SqliteAudit } from './audit.ts';
import { SqliteCounters } from './counters.ts';
import { Database, DEFAULT_LOCK_WAIT_MS } from './database.ts';
import { MIGRATIONS } from './migrations.ts';
import { SqliteOidcRecords } from './oidc-records.ts';
import { SqliteAccounts, SqliteApis, SqliteClients, SqliteKeySets } from './records.ts';

/** The file name of the embedded store inside the data directory. */
export const SQLITE_FILE = 'sso.sqlite';

/** Options of the embedded store. */
export interface SqliteStoreOptions {
  /**
   * How long a call waits for a lock held by another process (the CLI, a backup) before failing
   * with StoreUnavailableError, in ms. Waiting never blocks the event loop. Default 1000.
   */
  readonly lockWaitMs?: number;
  /** Where the store's warnings go (a data directory others can read). Default: process.emitWarning. */
  readonly log?: { warn(message: string, fields?: Record<string, unknown>): void };
}

/** Opens (creating when missing) the embedded store in `dataDir`, or in memory for ':memory:'. */
export function openSqliteStore(dataDir: string, options: SqliteStoreOptions = {}): Store {
  let path = dataDir;
  if (dataDir !== ':memory:') {
    prepareDirectory(dataDir, options.log);
    path = join(dataDir, SQLITE_FILE);
    createPrivately(path);
  }
  const db = new Database(path, { lockWaitMs: options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS });
  const oidc = new SqliteOidcRecords(db);
  const counters = new SqliteCounters(db);
  const audit = new SqliteAudit(db);
  return {
    backend: 'sqlite',
    oidc,
    accounts: new SqliteAccounts(db),
    clients: new SqliteClients(db),
    apis: new SqliteApis(db),
    keySets: new SqliteKeySets(db),
    counters,
    audit,
    async migrate() {
      await migrate(db);
    },
    async sweepExpired() {
      await db.checkFile();
      const removed = await oidc.sweepExpired();
      await counters.sweepExpired();
      await audit.sweepExpired();
      await db.reclaimSpace();
      return removed;
    },
    async ping() {
      // The file still looks like a database, a read works, and taking the write lock (letting go
      // at once) proves no other process holds it.
      await db.checkFile();
      await db.get('SELECT count(*) FROM key_sets');
      await db.transaction(() => undefined);
    },
    async close() {
      await db.close();
    },
  };
}

function prepareDirectory(
  dataDir: string,
  log: SqliteStoreOptions['log'] = {
    warn: (message, fields) => process.emitWarning(`${message} ${JSON.stringify(fields ?? {})}`),
  },
): void {
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    const reason = (error as { code?: string; message?: string }).code ?? String(error);
    throw new StoreUnavailableError(`cannot create the data directory ${dataDir} (${reason})`, {
      cause: error,
    });
  }
  const mode = statSync(dataDir).mode & 0o777;
  if (mode & 0o077) {
    log.warn('the data directory can be read by other users; make it private (chmod 700)', {
      dataDir,
      mode: `0${mode.toString(8)}`,
    });
  }
}

// Creates the database file readable by its owner only (SQLite gives its -wal and -shm files the
// same mode), and takes group and other access away from an existing one.
function createPrivately(path: string): void {
  try {
    closeSync(openSync(path, 'a', 0o600));
    if (statSync(path).mode & 0o077) chmodSync(path, 0o600);
  } catch (error) {
    const reason = (error as { code?: string }).code ?? String(error);
    throw new StoreUnavailableError(`cannot open the embedded store ${path} (${reason})`, {
      cause: error,
    });
  }
}

// Applies the schema steps not yet applied, in one transaction, tracked by user_version. A file made
// before incremental auto-vacuum existed is converted once (VACUUM cannot run in a transaction).
async function migrate(db: Database): Promise<void> {
  if (!(await db.reclaimsSpace())) {
    await db.exec('PRAGMA auto_vacuum = INCREMENTAL');
    await db.exec('VACUUM');
  }
  await db.transaction((tx) => {
    const applied = tx.get<{ user_version: number }>('PRAGMA user_version')?.user_version ?? 0;
    MIGRATIONS.slice(applied).forEach((step) => tx.exec(step));
    tx.exec(`PRAGMA user_version = ${MIGRATIONS.length}`);
  });
}
