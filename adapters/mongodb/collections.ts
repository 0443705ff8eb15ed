// The collections of the MongoDB store and the shape of their documents. Every `_id` is a string
// chosen by us (token id, account id, client id, audience); none is an ObjectId. Anything whose keys
// come from outside (oidc-provider payloads, client metadata, JWKs) is stored as a JSON string, so
// that keys with dots or a leading `$` round-trip on every server; what is queried sits next to it.
import type { Collection, Db } from 'mongodb';
import { OIDC_MODELS, type OidcModel } from '../store.ts';

/** One oidc-provider record: the payload as JSON plus the side fields the store looks up. */
export interface OidcDoc {
  _id: string;
  /** The payload, JSON-encoded. */
  payload: string;
  /** Random per write: names this version of the record in single-use decisions. */
  rev: string;
  /** Absent for records that never expire. */
  expiresAt?: Date | null;
  /** Set by consume. */
  consumedAt?: Date | null;
  grantId?: string;
  uid?: string;
  userCode?: string;
  accountId?: string;
}

/**
 * One single-use decision (consume of a record version, replacement of an expired record): the
 * unique `_id` insert that decides which of several concurrent callers wins.
 */
export interface SingleUseDoc {
  _id: string;
  expiresAt: Date;
}

/** An account: the Account fields as they are, `id` as `_id`, absent optional fields omitted. */
export interface AccountDoc {
  _id: string;
  username: string;
  email?: string;
  [field: string]: unknown;
}

/** A client: metadata as JSON (its keys may contain dots), the other fields as they are. */
export interface ClientDoc {
  _id: string;
  metadata: string;
  [field: string]: unknown;
}

/** An API: the ApiRecord fields as they are, `audience` as `_id`. */
export interface ApiDoc {
  _id: string;
  [field: string]: unknown;
}

/** One version of a key set; versions are only ever inserted, so `_id` (kind:version) decides. */
export interface KeySetDoc {
  _id: string;
  kind: string;
  version: number;
  /** The keys, JSON-encoded; emptied ('[]') once a later version exists. */
  keys: string;
}

/** The collection names, for migrations and operators. */
export const COLLECTION_NAMES = {
  oidc: (model: OidcModel) => `oidc_${model}`,
  singleUse: 'oidc_single_use',
  accounts: 'accounts',
  clients: 'clients',
  apis: 'apis',
  keySets: 'key_sets',
} as const;

/** Every collection of the store, typed. */
export interface Collections {
  readonly oidc: ReadonlyMap<OidcModel, Collection<OidcDoc>>;
  readonly singleUse: Collection<SingleUseDoc>;
  readonly accounts: Collection<AccountDoc>;
  readonly clients: Collection<ClientDoc>;
  readonly apis: Collection<ApiDoc>;
  readonly keySets: Collection<KeySetDoc>;
}

/** The store's collections in `db` (handles only: nothing is created here). */
export function collectionsOf(db: Db): Collections {
  return {
    oidc: new Map(
      OIDC_MODELS.map((model) => [model, db.collection<OidcDoc>(COLLECTION_NAMES.oidc(model))]),
    ),
    singleUse: db.collection<SingleUseDoc>(COLLECTION_NAMES.singleUse),
    accounts: db.collection<AccountDoc>(COLLECTION_NAMES.accounts),
    clients: db.collection<ClientDoc>(COLLECTION_NAMES.clients),
    apis: db.collection<ApiDoc>(COLLECTION_NAMES.apis),
    keySets: db.collection<KeySetDoc>(COLLECTION_NAMES.keySets),
  };
}

/** The collection of `model`. */
export function oidcCollection(collections: Collections, model: OidcModel): Collection<OidcDoc> {
  const collection = collections.oidc.get(model);
  if (!collection) throw new TypeError(`unknown oidc model: ${String(model)}`);
  return collection;
}

/** `record` as a document: absent (undefined) fields omitted rather than stored as null. */
export function definedFields<T extends object>(record: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(record).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}
