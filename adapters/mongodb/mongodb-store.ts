// The production store on MongoDB 6+, AWS DocumentDB or FerretDB, through the official driver.
// Multi-document transactions are never used (standalone servers and FerretDB have none): every
// write that must happen once is decided by one atomic single-document write.
import { MongoClient, type CommandStartedEvent, type MongoClientOptions } from 'mongodb';
import { StoreUnavailableError, type Store } from '../store.ts';
import { MongoAccounts } from './accounts.ts';
import { MongoAudit } from './audit.ts';
import { collectionsOf } from './collections.ts';
import { MongoCounters } from './counters.ts';
import { guarded, unavailable } from './errors.ts';
import { sweepExpired } from './expiry.ts';
import { MongoKeySets } from './key-sets.ts';
import { MongoApis, MongoClients } from './keyed-records.ts';
import { watchMonitor } from './monitor-watchdog.ts';
import { MongoOidcRecords } from './oidc-records.ts';
import { createCollectionsAndIndexes, createTtlIndexes } from './schema.ts';
import { readServerTraits, type ServerTraits } from './server-traits.ts';
import { ttlFallback } from './ttl-fallback.ts';
import { inspectMongoUri, redact, type MongoUriInfo } from './uri.ts';

/**
 * Options of the MongoDB store. Connection pool settings (maxPoolSize, timeouts, TLS, …) come from
 * the URI; an option given here wins over the URI, which wins over the default.
 */
export interface MongoStoreOptions {
  /** The database to use. Default: the one named in the URI's path, else `sso`. */
  readonly dbName?: string;
  /**
   * How long an operation waits for a usable server before failing with StoreUnavailableError, in
   * ms. Default: the URI's `serverSelectionTimeoutMS`, else 5000 (the driver's own is 30000).
   */
  readonly serverSelectionTimeoutMS?: number;
  /**
   * How long a connection may wait for an answer (or to connect) before the operation fails as
   * unavailable, in ms: a server that hangs with connections open is an outage within this bound,
   * not a request that waits for ever. Default: the URI's `socketTimeoutMS` / `connectTimeoutMS`,
   * else 5000 (the driver's own: none, and 30000).
   */
  readonly socketTimeoutMS?: number;
  /** How often expired records are removed where the server refuses TTL indexes, in ms. Default 60000. */
  readonly sweepIntervalMs?: number;
  /** Where the store's warnings go (one when TTL indexes are refused). Default: process.emitWarning. */
  readonly log?: MongoStoreLog;
  /**
   * Called with every command the store sends (the driver's command monitoring), for tests and
   * diagnostics: test/mongodb/query-plans.test.ts explains each query the store makes.
   */
  readonly onCommand?: (event: CommandStartedEvent) => void;
}

/** The part of a logger the store uses (the service's Logger fits). */
export interface MongoStoreLog {
  warn(message: string, fields?: Record<string, unknown>): void;
}

/** Defaults of MongoStoreOptions. */
export const MONGO_STORE_DEFAULTS = Object.freeze({
  dbName: 'sso',
  serverSelectionTimeoutMS: 5000,
  socketTimeoutMS: 5000,
  sweepIntervalMs: 60_000,
  log: {
    warn: (message: string, fields?: Record<string, unknown>) =>
      process.emitWarning(fields ? `${message} ${JSON.stringify(fields)}` : message, {
        code: 'SSO_MONGODB',
      }),
  } satisfies MongoStoreLog,
});

/** The MongoDB store: a Store, plus what health output may want to show. */
export interface MongoStore extends Store {
  readonly backend: 'mongodb';
  /** The server, hosts and database, without credentials. */
  readonly target: string;
  /** Whether this process sweeps expired records because the server refused TTL indexes. */
  readonly sweepsExpired: boolean;
  /** What the server guarantees (read when the store opened). */
  readonly traits: ServerTraits;
}

/**
 * Connects to the server at `uri` and answers the store on it; does not create anything (that is
 * migrate()). Rejects with StoreUnavailableError, whose message never contains the URI's
 * credentials, when the URI is invalid or no server answers within serverSelectionTimeoutMS.
 */
export async function openMongoStore(
  uri: string,
  options: MongoStoreOptions = {},
): Promise<MongoStore> {
  const info = inspectMongoUri(uri);
  const client = createClient(uri, info, options);
  try {
    await client.connect();
  } catch (error) {
    await client.close().catch(() => undefined);
    throw unavailable(error, info, 'unreachable');
  }
  // A polling check lasts at most the connect timeout (its socket timeout) when it works at all.
  const connectTimeout = client.options.connectTimeoutMS || MONGO_STORE_DEFAULTS.socketTimeoutMS;
  const watchdog = watchMonitor(
    client,
    connectTimeout * 2 + 1000,
    options.log ?? MONGO_STORE_DEFAULTS.log,
  );
  const dbName = options.dbName ?? info.dbName ?? MONGO_STORE_DEFAULTS.dbName;
  const db = client.db(dbName);
  let traits: ServerTraits;
  try {
    traits = await readServerTraits(db);
  } catch (error) {
    watchdog.stop();
    await client.close().catch(() => undefined);
    throw unavailable(error, info, 'unreachable');
  }
  const collections = collectionsOf(db);
  const target = info.dbName === dbName ? info.target : `${info.target} (database ${dbName})`;
  const fallback = ttlFallback(
    () => sweepExpired(collections),
    options.sweepIntervalMs ?? MONGO_STORE_DEFAULTS.sweepIntervalMs,
    options.log ?? MONGO_STORE_DEFAULTS.log,
    (error) => unavailable(error, info).message,
  );
  const versioned = { marks: collections.singleUse, atomicUpdates: traits.atomicUpdates };
  return {
    backend: 'mongodb',
    target,
    traits,
    get sweepsExpired() {
      return fallback.active;
    },
    oidc: new MongoOidcRecords(collections, info, traits.atomicUpdates),
    accounts: new MongoAccounts(collections.accounts, info, versioned),
    clients: new MongoClients(collections.clients, info, versioned),
    apis: new MongoApis(collections.apis, info, versioned),
    keySets: new MongoKeySets(collections.keySets, info),
    counters: new MongoCounters(
      collections.counters,
      collections.counterSlots,
      info,
      traits.atomicUpdates,
    ),
    audit: new MongoAudit(collections.audit, info),
    async migrate() {
      // Building an index over a large collection takes as long as it takes: migrations use a
      // connection of their own without the socket timeout that bounds requests.
      const patient = createClient(uri, info, { ...options, socketTimeoutMS: 0 });
      try {
        await guarded(info, async () => {
          await patient.connect();
          const target = patient.db(dbName);
          await createCollectionsAndIndexes(target);
          const refusal = await createTtlIndexes(target);
          if (refusal !== undefined) fallback.start(redact(refusal, info));
        });
      } finally {
        await patient.close().catch(() => undefined);
      }
    },
    async sweepExpired() {
      return guarded(info, () => sweepExpired(collections));
    },
    async ping() {
      await guarded(info, () => db.command({ ping: 1 }));
    },
    async close() {
      fallback.stop();
      watchdog.stop();
      await client.close();
    },
  };
}

// The driver client; an invalid URI is reported as StoreUnavailableError, without credentials.
function createClient(uri: string, info: MongoUriInfo, options: MongoStoreOptions): MongoClient {
  const clientOptions: MongoClientOptions = {};
  const timeout =
    options.serverSelectionTimeoutMS ??
    (info.setsServerSelectionTimeout ? undefined : MONGO_STORE_DEFAULTS.serverSelectionTimeoutMS);
  if (timeout !== undefined) clientOptions.serverSelectionTimeoutMS = timeout;
  const socketTimeout = options.socketTimeoutMS ?? MONGO_STORE_DEFAULTS.socketTimeoutMS;
  if (options.socketTimeoutMS !== undefined || !info.options.has('sockettimeoutms')) {
    clientOptions.socketTimeoutMS = socketTimeout;
  }
  if (!info.options.has('connecttimeoutms')) {
    clientOptions.connectTimeoutMS = socketTimeout || MONGO_STORE_DEFAULTS.socketTimeoutMS;
  }
  if (options.onCommand) clientOptions.monitorCommands = true;
  try {
    const client = new MongoClient(uri, clientOptions);
    if (options.onCommand) client.on('commandStarted', options.onCommand);
    return client;
  } catch (error) {
    const reason = typeof error === 'object' && error && 'message' in error ? error.message : '';
    throw new StoreUnavailableError(
      `MongoDB URI is not valid (${info.target}): ${redact(String(reason), info)}`,
    );
  }
}
