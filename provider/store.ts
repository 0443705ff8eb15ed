// Opens the store the configuration selects: MongoDB when MONGODB_URI is set, else the embedded
// SQLite file in the data directory. Either way the schema is migrated before use, unless the
// caller only reads.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { openSqliteStore, SQLITE_FILE } from '../adapters/sqlite/sqlite-store.ts';
import type { Store } from '../adapters/store.ts';
import type { Config } from './config.ts';
import type { Logger } from './log.ts';

/** How the caller uses the store. */
export interface OpenStoreOptions {
  /**
   * How long a call waits for the embedded store's lock before failing, in ms: short for the
   * server, which answers 503 instead of keeping people waiting; longer for the CLI.
   */
  lockWaitMs?: number;
  /**
   * Only reads: creates nothing. An embedded store that does not exist yet reads as an empty one
   * (held in memory); MongoDB is not migrated.
   */
  readOnly?: boolean;
}

/** The configured store, open and migrated. */
export async function openStore(
  config: Readonly<Config>,
  log: Logger,
  { readOnly = false, ...options }: OpenStoreOptions = {},
): Promise<Store> {
  if (config.mongodbUri) {
    // Loaded only when selected, so the embedded default never loads the MongoDB driver.
    const { openMongoStore } = await import('../adapters/mongodb/mongodb-store.ts');
    const store = await openMongoStore(config.mongodbUri, { log });
    if (!readOnly) await store.migrate();
    // Once at start-up: which guarantees of the server the store relies on, and which workarounds.
    const { description, atomicUpdates } = store.traits;
    log.info('MongoDB store open', {
      target: store.target,
      server: description,
      updates: atomicUpdates
        ? 'atomic: single use, counters ($inc) and compare-and-swap are each one conditional write'
        : 'not atomic: single-use marks decide single use, counters and compare-and-swap',
      expiry: store.sweepsExpired ? 'periodic sweeps (no TTL index)' : 'TTL indexes',
    });
    return store;
  }
  const missing = !existsSync(join(config.dataDir, SQLITE_FILE));
  const store = openSqliteStore(readOnly && missing ? ':memory:' : config.dataDir, {
    log,
    ...options,
  });
  // A file of an older schema needs its new tables to be read: that is the one write allowed.
  await store.migrate();
  log.debug('embedded store open', { dataDir: config.dataDir });
  return store;
}
