// Opens the store the configuration selects: MongoDB when MONGODB_URI is set, else the embedded
// SQLite file in the data directory. Either way the schema is migrated before use.
import { openSqliteStore } from '../adapters/sqlite/sqlite-store.ts';
import type { Store } from '../adapters/store.ts';
import type { Config } from './config.ts';
import type { Logger } from './log.ts';

/** How the caller copes with another process holding the embedded store's lock. */
export interface OpenStoreOptions {
  /**
   * How long a call waits for the embedded store's lock before failing, in ms: short for the
   * server, which answers 503 instead of keeping people waiting; longer for the CLI.
   */
  lockWaitMs?: number;
}

/** The configured store, open and migrated. */
export async function openStore(
  config: Readonly<Config>,
  log: Logger,
  options: OpenStoreOptions = {},
): Promise<Store> {
  if (config.mongodbUri) {
    // Loaded only when selected, so the embedded default never loads the MongoDB driver.
    const { openMongoStore } = await import('../adapters/mongodb/mongodb-store.ts');
    const store = await openMongoStore(config.mongodbUri, { log });
    await store.migrate();
    return store;
  }
  const store = openSqliteStore(config.dataDir, { log, ...options });
  await store.migrate();
  log.debug('embedded store open', { dataDir: config.dataDir });
  return store;
}
