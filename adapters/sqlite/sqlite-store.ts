// The embedded default store: one SQLite file (WAL mode) in the data directory, created on first use.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { StoreUnavailableError, type Store } from '../store.ts';
import { Database } from './database.ts';
import { MIGRATIONS } from './migrations.ts';
import { SqliteOidcRecords } from './oidc-records.ts';
import { SqliteAccounts, SqliteApis, SqliteClients, SqliteKeySets } from './records.ts';

/** The file name of the embedded store inside the data directory. */
export const SQLITE_FILE = 'sso.sqlite';

/** Opens (creating when missing) the embedded store in `dataDir`, or in memory for ':memory:'. */
export function openSqliteStore(dataDir: string): Store {
  let path = dataDir;
  if (dataDir !== ':memory:') {
    try {
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    } catch (error) {
      const reason = (error as { code?: string; message?: string }).code ?? String(error);
      throw new StoreUnavailableError(`cannot create the data directory ${dataDir} (${reason})`, {
        cause: error,
      });
    }
    path = join(dataDir, SQLITE_FILE);
  }
  const db = new Database(path);
  const oidc = new SqliteOidcRecords(db);
  return {
    backend: 'sqlite',
    oidc,
    accounts: new SqliteAccounts(db),
    clients: new SqliteClients(db),
    apis: new SqliteApis(db),
    keySets: new SqliteKeySets(db),
    async migrate() {
      migrate(db);
    },
    async sweepExpired() {
      return oidc.sweepExpired();
    },
    async ping() {
      db.get('SELECT 1');
    },
    async close() {
      db.close();
    },
  };
}

// Applies the schema steps not yet applied, each in its own transaction, tracked by user_version.
function migrate(db: Database): void {
  db.transaction(() => {
    const applied = db.get<{ user_version: number }>('PRAGMA user_version')?.user_version ?? 0;
    MIGRATIONS.slice(applied).forEach((step) => db.exec(step));
    db.exec(`PRAGMA user_version = ${MIGRATIONS.length}`);
  });
}
