// The storage contract: everything SSO keeps, behind one interface with two backends (embedded
// node:sqlite and MongoDB). The rules written here are what adapters/contract/ checks against every
// backend; a backend that passes the contract suite can run the whole service.
//
// General rules, for every method below:
// - Times are milliseconds since the epoch (numbers), measured by the caller's clock via `Date.now()`.
// - "Not found" is `undefined` (or `false` for boolean answers), never an error.
// - Records handed in are copied: later mutation by the caller does not change what is stored, and
//   records handed out are fresh objects the caller may mutate.
// - A duplicate of a unique field is a `StoreConflictError`; a store that cannot be reached is a
//   `StoreUnavailableError`. Nothing else is thrown for well-formed input.
// - Every write is all-or-nothing: a failed write leaves no partial record behind.

/** Every oidc-provider model that the protocol engine may persist through its adapter. */
export const OIDC_MODELS = [
  'Session',
  'Grant',
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'ClientCredentials',
  'Client',
  'InitialAccessToken',
  'RegistrationAccessToken',
  'Interaction',
  'ReplayDetection',
  'PushedAuthorizationRequest',
  // Not the engine's: SSO's own short-lived records (first-run setup links, console sessions),
  // kept here for the same rules (expiry, single use by consume, removal with their account).
  'Ticket',
] as const;

export type OidcModel = (typeof OIDC_MODELS)[number];

/**
 * An oidc-provider payload: opaque JSON to the store. Keys may contain dots or start with `$`
 * (resource URLs, client ids) and must round-trip unchanged. The store reads only these members to
 * maintain its side indexes: `grantId`, `uid`, `userCode`, `accountId`, `clientId`; and it sets
 * `consumed` (epoch seconds) on records returned after `consume`.
 */
export type OidcPayload = Record<string, unknown> & {
  grantId?: string;
  uid?: string;
  userCode?: string;
  accountId?: string;
  clientId?: string;
  consumed?: number;
};

/** Records of the protocol engine, keyed by (model, id). */
export interface OidcRecords {
  /**
   * Stores `payload` under (model, id), replacing any previous record with that key (including its
   * consumed mark). `expiresIn` is in seconds; undefined means the record never expires.
   */
  upsert(model: OidcModel, id: string, payload: OidcPayload, expiresIn?: number): Promise<void>;

  /**
   * Stores `payload` only if no unexpired record (model, id) exists; answers whether this call
   * stored it. One conditional insert: of any number of concurrent calls for one key, exactly one
   * answers true. An expired record with that key counts as absent and is replaced.
   */
  insertIfAbsent(
    model: OidcModel,
    id: string,
    payload: OidcPayload,
    expiresIn?: number,
  ): Promise<boolean>;

  /** The unexpired record (model, id). An expired record is never returned, swept or not. */
  find(model: OidcModel, id: string): Promise<OidcPayload | undefined>;

  /** The unexpired record of `model` whose payload `uid` equals `uid` (Session lookups). */
  findByUid(model: OidcModel, uid: string): Promise<OidcPayload | undefined>;

  /** The unexpired record of `model` whose payload `userCode` equals `userCode` (device flow). */
  findByUserCode(model: OidcModel, userCode: string): Promise<OidcPayload | undefined>;

  /**
   * Marks the unexpired record (model, id) consumed, as one conditional write. Answers true only
   * for the call that marked it: false if it was already consumed, expired or missing. Of any
   * number of concurrent calls, exactly one answers true. Later `find`s carry `consumed`.
   */
  consume(model: OidcModel, id: string): Promise<boolean>;

  /**
   * The unexpired records of `model` whose payload `accountId` equals `accountId`, with their ids,
   * in no particular order (an account's sessions and grants).
   */
  listByAccountId(
    model: OidcModel,
    accountId: string,
  ): Promise<{ id: string; payload: OidcPayload }[]>;

  /** Removes (model, id) if present. Removing a missing record is not an error. */
  destroy(model: OidcModel, id: string): Promise<void>;

  /** Removes every record of `model` whose payload `grantId` equals `grantId`; answers how many. */
  revokeByGrantId(model: OidcModel, grantId: string): Promise<number>;

  /**
   * Removes every record of every model whose payload `accountId` equals `accountId` (sessions,
   * grants, codes and tokens): what ending an account's sessions means. Answers how many.
   */
  destroyByAccountId(accountId: string): Promise<number>;

  /**
   * Removes every record of every model whose payload `clientId` equals `clientId` (grants, codes
   * and tokens): what removing a client means. Answers how many.
   */
  destroyByClientId(clientId: string): Promise<number>;
}

/** A person who can sign in. `id` is the OIDC `sub`: random, stable, never the username. */
export interface Account {
  id: string;
  /** Unique, stored lower-case by the accounts service. */
  username: string;
  /** Unique when present, stored lower-case by the accounts service. */
  email?: string;
  emailVerified: boolean;
  name?: string;
  givenName?: string;
  familyName?: string;
  middleName?: string;
  nickname?: string;
  /** URL of the person's profile page. */
  profile?: string;
  picture?: string;
  website?: string;
  gender?: string;
  /** YYYY-MM-DD, 0000-MM-DD or YYYY (OIDC Core §5.1). */
  birthdate?: string;
  zoneinfo?: string;
  locale?: string;
  /** E.164. */
  phoneNumber?: string;
  phoneNumberVerified?: boolean;
  address?: PostalAddress;
  groups: string[];
  /** argon2id PHC string; absent until a password is set (such an account cannot sign in). */
  passwordHash?: string;
  /** An authenticator app (RFC 6238), once its enrolment is confirmed. */
  totp?: TotpFactor;
  /** One-time recovery codes, as hashes; each is removed when used. */
  recoveryCodes?: RecoveryCodes;
  /** WebAuthn credentials (passkeys and security keys); ids are unique across accounts. */
  passkeys?: Passkey[];
  /** A second factor is required at every sign-in of this account. */
  mfaRequired?: boolean;
  disabled: boolean;
  createdAt: number;
  updatedAt: number;
  /** See VERSIONS below. */
  version: number;
}

/** A confirmed TOTP authenticator. */
export interface TotpFactor {
  /** The shared secret, base32 (sealed with the master key before it reaches the store). */
  secret: string;
  confirmedAt: number;
  /** The time step of the last code accepted: no code of that step or before is accepted again. */
  lastStep?: number;
}

/** Recovery codes: SHA-256 of salt and code, hex; a used code's hash is removed. */
export interface RecoveryCodes {
  salt: string;
  hashes: string[];
  createdAt: number;
}

/** A registered WebAuthn credential. */
export interface Passkey {
  /** The credential id, base64url. */
  id: string;
  /** The COSE public key, base64url. */
  publicKey: string;
  /** The signature counter last seen (0 for authenticators that do not count). */
  counter: number;
  transports?: string[];
  /** What the person called it. */
  name: string;
  /** Whether it can sign in on its own, without a username (a discoverable credential). */
  discoverable: boolean;
  createdAt: number;
  lastUsedAt?: number;
}

/** A postal address (OIDC Core §5.1.1); every part optional. */
export interface PostalAddress {
  formatted?: string;
  streetAddress?: string;
  locality?: string;
  region?: string;
  postalCode?: string;
  country?: string;
}

// VERSIONS. Accounts, clients and APIs carry a version: `create` stores version 1 (whatever the
// record says), and `replace` is a compare-and-swap: it replaces the stored record only if the
// stored version still equals the record's, and stores version + 1. So two writers that read the
// same version cannot both write: the second gets false, reads again and redoes its change, and no
// update is lost. Records written before versions existed read as version 0.

/** Which accounts `AccountRecords.page` answers, in username order. */
export interface AccountQuery {
  /** Only accounts whose username or email starts with this (lower-case) text. */
  prefix?: string;
  /** Only accounts that are members of this group. */
  group?: string;
  /** Only accounts whose username sorts after this one (the last of the previous page). */
  after?: string;
  /** At most this many. */
  limit: number;
}

/** Accounts, unique by `id`, `username` and (when present) `email`. */
export interface AccountRecords {
  /** Inserts a new account as version 1; a taken id, username or email is a StoreConflictError. */
  create(account: Account): Promise<void>;
  get(id: string): Promise<Account | undefined>;
  findByUsername(username: string): Promise<Account | undefined>;
  findByEmail(email: string): Promise<Account | undefined>;
  /** The account holding the passkey with credential id `id`. */
  findByPasskey(id: string): Promise<Account | undefined>;
  /** All accounts, ordered by username. */
  list(): Promise<Account[]>;
  /** The accounts `query` selects, ordered by username, at most `query.limit`. */
  page(query: AccountQuery): Promise<Account[]>;
  /**
   * Replaces the stored account with the same id and version by `account` at version + 1; false
   * when there is none or its version has moved on. Unique-value conflicts as create.
   */
  replace(account: Account): Promise<boolean>;
  /** Removes the account; false when there was none. */
  delete(id: string): Promise<boolean>;
}

/**
 * A registered application. `metadata` is oidc-provider client metadata (snake_case, RFC 7591),
 * including `client_id` and, for confidential clients, `client_secret`.
 */
export interface ClientRecord {
  clientId: string;
  metadata: Record<string, unknown> & { client_id: string };
  /** First-party clients skip the consent page. */
  firstParty: boolean;
  /** Audiences of the APIs this client may ask tokens for (resource indicators). */
  allowedApis: string[];
  /**
   * Per API of `allowedApis`, the only scopes of it this client may get; an API not named here
   * gives the client all its scopes. Absent: none restricted.
   */
  apiScopes?: Record<string, string[]>;
  /** A disabled client is unknown to the protocol engine until enabled again. Absent: enabled. */
  disabled?: boolean;
  /** Everyone signing in to this client needs a second factor. Absent: not required. */
  requireMfa?: boolean;
  /** See VERSIONS. */
  version: number;
  /**
   * Audiences of the APIs this client is the resource server of: it may introspect their tokens.
   * Absent in records written before it existed: none.
   */
  resourceServerFor?: string[];
  createdAt: number;
  updatedAt: number;
}

/** Clients, unique by `clientId`. */
export interface ClientRecords {
  /** Inserts a new client as version 1; a taken clientId is a StoreConflictError. */
  create(client: ClientRecord): Promise<void>;
  get(clientId: string): Promise<ClientRecord | undefined>;
  /** All clients, ordered by clientId. */
  list(): Promise<ClientRecord[]>;
  /**
   * Replaces the stored client with the same clientId and version at version + 1; false when there
   * is none or its version has moved on.
   */
  replace(client: ClientRecord): Promise<boolean>;
  /** Removes the client; false when there was none. */
  delete(clientId: string): Promise<boolean>;
}

/** An API (resource server) that accepts access tokens issued for its audience. */
export interface ApiRecord {
  /** The resource indicator: an absolute URL, the `aud` of tokens issued for this API. */
  audience: string;
  name?: string;
  /** Scopes the API accepts; tokens for it carry only these. */
  scopes: string[];
  /** Access-token lifetime in seconds for tokens issued to this API. */
  accessTokenTtl: number;
  /** JWS algorithm of its access tokens; absent means the default (ES256). */
  signingAlg?: 'ES256' | 'RS256';
  /**
   * `jwt` (the default when absent): self-contained tokens the API verifies itself (RFC 9068);
   * `opaque`: reference tokens the API introspects, which stop working the moment they are revoked.
   */
  tokenFormat?: 'jwt' | 'opaque';
  createdAt: number;
  updatedAt: number;
  /** See VERSIONS. */
  version: number;
}

/** APIs, unique by `audience`. */
export interface ApiRecords {
  /** Inserts a new API as version 1; a taken audience is a StoreConflictError. */
  create(api: ApiRecord): Promise<void>;
  get(audience: string): Promise<ApiRecord | undefined>;
  /** All APIs, ordered by audience. */
  list(): Promise<ApiRecord[]>;
  /**
   * Replaces the stored API with the same audience and version at version + 1; false when there is
   * none or its version has moved on.
   */
  replace(api: ApiRecord): Promise<boolean>;
  /** Removes the API; false when there was none. */
  delete(audience: string): Promise<boolean>;
}

/** One key of a key set: a private JWK (signing) or a symmetric secret (cookies). */
export interface StoredKey {
  kid: string;
  /** The key material as a JWK (private for asymmetric keys; `kty: oct` for secrets). */
  jwk: Record<string, unknown>;
  createdAt: number;
  /** From this time on the key is the one used to sign (published before that). */
  activatesAt: number;
  /** From this time on the key no longer signs (a successor has activated). */
  retiresAt?: number;
  /** From this time on the key is no longer published or accepted. */
  expiresAt?: number;
}

export type KeySetKind = 'signing' | 'cookie';

/** A versioned list of keys, replaced as a whole. */
export interface KeySet {
  kind: KeySetKind;
  /** Starts at 1 and grows by one with every successful replace. */
  version: number;
  keys: StoredKey[];
}

/** Key sets, one per kind, shared by every instance of the service. */
export interface KeySetRecords {
  get(kind: KeySetKind): Promise<KeySet | undefined>;
  /**
   * Stores `keys` as version 1 of `kind` if no set of that kind exists, and answers the stored set:
   * this call's keys if it won, the existing set otherwise. Of concurrent calls exactly one wins.
   */
  create(kind: KeySetKind, keys: StoredKey[]): Promise<KeySet>;
  /**
   * Replaces the set if its stored version still equals `expectedVersion` (compare-and-swap) and
   * answers the new set; undefined when another writer got there first or there is no set.
   */
  replace(
    kind: KeySetKind,
    expectedVersion: number,
    keys: StoredKey[],
  ): Promise<KeySet | undefined>;
}

/** A counter of the rate limiters: points gathered in a window that ends at `expiresAt`. */
export interface Counter {
  points: number;
  /** When the window (and any block it records) ends, epoch ms; undefined for never. */
  expiresAt?: number;
}

/** Counters shared by every instance (rate limits, failed sign-ins), unique by key. */
export interface CounterRecords {
  /**
   * Adds `points` to the live counter `key` and answers it after the write. A missing or expired
   * counter starts at `points`, ending `durationMs` from now (0: never). With `reset` the counter
   * is replaced by `points` ending `durationMs` from now, whatever it held. One atomic write: of
   * concurrent adds to one key none is lost.
   */
  add(key: string, points: number, durationMs: number, reset?: boolean): Promise<Counter>;
  /** The live counter `key`; an expired one is never returned. */
  get(key: string): Promise<Counter | undefined>;
  /** Removes the counter `key`; answers whether a live one was removed. */
  delete(key: string): Promise<boolean>;
  /** Removes every counter whose key starts with `prefix`; answers how many live ones. */
  deleteByPrefix(prefix: string): Promise<number>;
}

/** One security-relevant event (sign-in, lockout, administrative change): never a secret. */
export interface AuditEvent {
  /** Unique; events with a later `time` sort after earlier ones when compared as strings. */
  id: string;
  /** Epoch ms. */
  time: number;
  /** What happened, dotted from general to specific: `login.failure`, `client.remove`, … */
  type: string;
  /** Who did it: `cli`, `account:<id>`, `client:<id>`, or `anonymous`. */
  actor: string;
  /** The account it concerns, by username (as given for unknown accounts) and id when known. */
  username?: string;
  accountId?: string;
  /** The client (application) it concerns. */
  clientId?: string;
  /** The client address the request came from. */
  ip?: string;
  /** Further facts (reason, changed fields, counts); small, flat, never secret. */
  details?: Record<string, string | number | boolean>;
  /** When the event is forgotten, epoch ms. */
  expiresAt: number;
}

/** Which events `AuditRecords.list` answers; every given field must match. */
export interface AuditFilter {
  /** The event type, or a prefix of it ending at a dot boundary (`login` matches `login.failure`). */
  type?: string;
  /** Username or account id. */
  user?: string;
  clientId?: string;
  ip?: string;
  /** Epoch ms, inclusive. */
  since?: number;
  /** Epoch ms, exclusive. */
  until?: number;
  /** Only events older than this one (by time, then id): the last event of the previous page. */
  before?: { time: number; id: string };
  /** At most this many (the newest). */
  limit: number;
}

/** The audit log: appended to, listed newest first, forgotten at each event's `expiresAt`. */
export interface AuditRecords {
  /** Stores the event; a taken id is a StoreConflictError. */
  append(event: AuditEvent): Promise<void>;
  /** Unexpired events matching `filter`, newest first. */
  list(filter: AuditFilter): Promise<AuditEvent[]>;
}

/** Everything SSO stores. */
export interface Store {
  /** Which backend this is, for logs and health output. */
  readonly backend: 'sqlite' | 'mongodb';
  readonly oidc: OidcRecords;
  readonly accounts: AccountRecords;
  readonly clients: ClientRecords;
  readonly apis: ApiRecords;
  readonly keySets: KeySetRecords;
  readonly counters: CounterRecords;
  readonly audit: AuditRecords;
  /** Creates tables/collections and indexes and runs data migrations. Idempotent. */
  migrate(): Promise<void>;
  /**
   * Removes expired oidc records, counters and audit events, and gives the space back where the
   * backend can; answers how many oidc records it removed. Reads never depend on it having run.
   */
  sweepExpired(): Promise<number>;
  /** Resolves when the store answers; rejects with StoreUnavailableError otherwise. */
  ping(): Promise<void>;
  /** Releases connections and file handles. The store is unusable afterwards. */
  close(): Promise<void>;
}

/** A unique field already holds that value. `field` names it (for example `username`). */
export class StoreConflictError extends Error {
  readonly code = 'store_conflict';
  readonly field: string;
  constructor(field: string) {
    super(`${field} is already taken`);
    this.name = 'StoreConflictError';
    this.field = field;
  }
}

/** The store cannot be reached or refused the operation for a reason outside the caller's input. */
export class StoreUnavailableError extends Error {
  readonly code = 'store_unavailable';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}
