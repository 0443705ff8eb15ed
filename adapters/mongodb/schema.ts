// The collections and indexes of the MongoDB store, created by migrate() (an explicit step, never
// lazily inside a request). Every step is idempotent, and each index is its own createIndex command:
// FerretDB 1.24 drops the connection when one createIndexes command names several existing indexes.
import type { CreateIndexesOptions, Db, IndexSpecification } from 'mongodb';
import { OIDC_MODELS } from '../store.ts';
import { COLLECTION_NAMES } from './collections.ts';
import { isMongoError } from './errors.ts';

/** Names of the accounts collection's unique indexes (errors name them). */
export const ACCOUNT_INDEXES = { username: 'username_unique', email: 'email_unique' } as const;

/** Name of the TTL index on `expiresAt`. */
export const TTL_INDEX = 'expiresAt_ttl';

interface IndexPlan {
  key: IndexSpecification;
  options: CreateIndexesOptions & { name: string };
}

// Sparse: absent side fields are not indexed. FerretDB 1.24 refuses partialFilterExpression but
// accepts sparse; a sparse unique index lets many accounts have no email, on every server.
const OIDC_INDEXES: IndexPlan[] = (
  ['grantId', 'uid', 'userCode', 'accountId', 'clientId'] as const
).map((field) => ({ key: { [field]: 1 }, options: { name: field, sparse: true } }));

/** The non-TTL indexes of every collection (client ids and audiences are `_id`s). */
export const INDEX_PLAN: ReadonlyMap<string, readonly IndexPlan[]> = new Map([
  ...OIDC_MODELS.map((model) => [COLLECTION_NAMES.oidc(model), OIDC_INDEXES] as const),
  [COLLECTION_NAMES.singleUse, []],
  [
    COLLECTION_NAMES.accounts,
    [
      { key: { username: 1 }, options: { name: ACCOUNT_INDEXES.username, unique: true } },
      {
        key: { email: 1 },
        options: { name: ACCOUNT_INDEXES.email, unique: true, sparse: true },
      },
      { key: { 'passkeys.id': 1 }, options: { name: 'passkey_id', sparse: true } },
    ],
  ],
  [COLLECTION_NAMES.clients, []],
  [COLLECTION_NAMES.apis, []],
  [
    COLLECTION_NAMES.keySets,
    [{ key: { kind: 1, version: -1 }, options: { name: 'kind_version' } }],
  ],
  [COLLECTION_NAMES.counters, []],
  [COLLECTION_NAMES.counterSlots, [{ key: { counter: 1 }, options: { name: 'counter' } }]],
  [COLLECTION_NAMES.audit, [{ key: { time: -1 }, options: { name: 'time' } }]],
]);

/** The collections whose documents carry `expiresAt`. */
export const EXPIRING_COLLECTIONS: readonly string[] = [
  ...OIDC_MODELS.map((model) => COLLECTION_NAMES.oidc(model)),
  COLLECTION_NAMES.singleUse,
  COLLECTION_NAMES.counters,
  COLLECTION_NAMES.counterSlots,
  COLLECTION_NAMES.audit,
];

/** Creates every collection and its non-TTL indexes; a no-op for those that already exist. */
export async function createCollectionsAndIndexes(db: Db): Promise<void> {
  await Promise.all(
    [...INDEX_PLAN].map(async ([name, indexes]) => {
      await createCollection(db, name);
      for (const { key, options } of indexes) await db.collection(name).createIndex(key, options);
    }),
  );
}

/**
 * Creates the TTL index of every expiring collection, each on its own so that a refusal leaves the
 * other indexes in place. Answers undefined when all exist, else the server's reason for refusing
 * (then an ordinary `expiresAt` index is created where possible, for the sweep). Failures to reach
 * the server are thrown, not answered.
 */
export async function createTtlIndexes(db: Db): Promise<string | undefined> {
  const refusals = await Promise.all(
    EXPIRING_COLLECTIONS.map(async (name) => {
      const collection = db.collection(name);
      const refusal = await refused(() =>
        collection.createIndex({ expiresAt: 1 }, { name: TTL_INDEX, expireAfterSeconds: 0 }),
      );
      if (refusal !== undefined) {
        await refused(() => collection.createIndex({ expiresAt: 1 }, { name: 'expiresAt' }));
      }
      return refusal;
    }),
  );
  return refusals.find((refusal) => refusal !== undefined);
}

// Creates the collection unless it exists (NamespaceExists, code 48, is fine).
async function createCollection(db: Db, name: string): Promise<void> {
  try {
    await db.createCollection(name);
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error && error.code;
    if (code !== 48) throw error;
  }
}

// Runs a command; answers the server's message if the server refused it. Anything that is not a
// refusal by the server (network, server selection, our bugs) is thrown.
async function refused(command: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await command();
    return undefined;
  } catch (error) {
    const { name, message } = error as { name?: unknown; message?: unknown };
    if (isMongoError(error) && name === 'MongoServerError') return String(message);
    throw error;
  }
}
