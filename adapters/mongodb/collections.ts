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
  clientId?: string;
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

/** A rate-limiter counter's window (see counters.ts); `expiresAt` null for one that never ends. */
export interface CounterDoc {
  _id: string;
  /** Names this window: slots of an earlier window of the same key never count in it. */
  window: string;
  /** The points, where the server's updates are atomic; else the window's first points. */
  points: number;
  /** Where updates are not atomic: the last slot known to be taken. */
  hint: number;
  expiresAt: Date | null;
}

/** One point added to a counter's window, where the server's updates are not atomic. */
export interface CounterSlotDoc {
  /** `<window>:<n>`, n counting from 1. */
  _id: string;
  /** The counter's key. */
  counter: string;
  expiresAt: Date | null;
}

/** An audit event: the AuditEvent fields as they are, `id` as `_id`, expiry as a Date (TTL). */
export interface AuditDoc {
  _id: string;
  time: number;
  type: string;
  expiresAt: Date;
  [field: string]: unknown;
}

/** The collection names, for migrations and operators. */
export const COLLECTION_NAMES = {
  oidc: (model: OidcModel) => `oidc_${model}`,
  singleUse: 'oidc_single_use',
  accounts: 'accounts',
  clients: 'clients',
  apis: 'apis',
  keySets: 'key_sets',
  counters: 'counters',
  counterSlots: 'counter_slots',
  audit: 'audit_events',
} as const;

/** Every collection of the store, typed. */
export interface Collections {
  readonly oidc: ReadonlyMap<OidcModel, Collection<OidcDoc>>;
  readonly singleUse: Collection<SingleUseDoc>;
  readonly accounts: Collection<AccountDoc>;
  readonly clients: Collection<ClientDoc>;
  readonly apis: Collection<ApiDoc>;
  readonly keySets: Collection<KeySetDoc>;
  readonly counters: Collection<CounterDoc>;
  readonly counterSlots: Collection<CounterSlotDoc>;
  readonly audit: Collection<AuditDoc>;
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
    counters: db.collection<CounterDoc>(COLLECTION_NAMES.counters),
    counterSlots: db.collection<CounterSlotDoc>(COLLECTION_NAMES.counterSlots),
    audit: db.collection<AuditDoc>(COLLECTION_NAMES.audit),
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
