// Secrets at rest: private signing keys, cookie keys, client secrets and TOTP secrets are sealed with the master
// key (AES-256-GCM, a key derived by HKDF, a fresh 96-bit nonce per value, and the record's identity
// as associated data, so that a sealed value cannot be moved to another record) before they reach
// either backend, and opened when read. Everything else in the store stays as it is.
//
// A sealed value is text: `sso:enc:v1:<master key id>:<nonce+ciphertext+tag, base64url>`. A signing
// or cookie key is stored as `{ sealed: <that text> }` in place of its JWK.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type {
  Account,
  AccountRecords,
  ClientRecord,
  ClientRecords,
  KeySet,
  KeySetKind,
  KeySetRecords,
  Store,
  StoredKey,
} from '../../adapters/store.ts';
import type { MasterKey } from './master-key.ts';

const PREFIX = 'sso:enc:v1:';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** A value sealed with a master key the process does not have. */
export class MasterKeyMismatchError extends Error {
  readonly sealedWith: string;
  constructor(sealedWith: string, have: readonly string[]) {
    super(
      `a secret in the store is sealed with master key ${sealedWith}; this process has ${have.join(', ')}`,
    );
    this.name = 'MasterKeyMismatchError';
    this.sealedWith = sealedWith;
  }
}

/**
 * Seals and opens values with one key (and opens with older ones, during a rewrap). When a value
 * turns out to be sealed with a key it does not have, it asks `reload` once for the current key
 * (the embedded store's key file, which `sso keys rewrap` replaces) and adopts it if it matches.
 */
export class Sealer {
  #current: MasterKey;
  readonly #keys: Map<string, Buffer>;
  readonly #reload: (() => Promise<MasterKey | undefined>) | undefined;

  /** Seals with `current`; opens values sealed with `current` or any of `previous`. */
  constructor(
    current: MasterKey,
    previous: readonly MasterKey[] = [],
    reload?: () => Promise<MasterKey | undefined>,
  ) {
    this.#current = current;
    this.#keys = new Map([current, ...previous].map((key) => [key.id, derive(key.key)]));
    this.#reload = reload;
  }

  /** Like open, but adopts a rewrapped master key first when that is what the value needs. */
  async openAdopting(value: string, context: string): Promise<string> {
    try {
      return this.open(value, context);
    } catch (error) {
      if (!(error instanceof MasterKeyMismatchError) || !this.#reload) throw error;
      const reloaded = await this.#reload();
      if (reloaded?.id !== error.sealedWith) throw error;
      this.#keys.set(reloaded.id, derive(reloaded.key));
      this.#current = reloaded;
      return this.open(value, context);
    }
  }

  get keyId(): string {
    return this.#current.id;
  }

  seal(plaintext: string, context: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#keys.get(this.#current.id)!, nonce);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const sealed = Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64url');
    return `${PREFIX}${this.#current.id}:${sealed}`;
  }

  /** The plaintext of `value`; a value that is not sealed (written before sealing) as it is. */
  open(value: string, context: string): string {
    if (!isSealed(value)) return value;
    const [id = '', data = ''] = value.slice(PREFIX.length).split(':');
    const key = this.#keys.get(id);
    if (!key) throw new MasterKeyMismatchError(id, [...this.#keys.keys()]);
    const bytes = Buffer.from(data, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, NONCE_BYTES));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    const plain = Buffer.concat([
      decipher.update(bytes.subarray(NONCE_BYTES, bytes.length - TAG_BYTES)),
      decipher.final(),
    ]);
    return plain.toString('utf8');
  }
}

/** Whether `value` is a sealed value. */
export function isSealed(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(PREFIX);
}

/** The id of the master key `value` was sealed with. */
function keyIdOf(value: string): string {
  return value.slice(PREFIX.length).split(':')[0] ?? '';
}

/**
 * The id of the master key the store's secrets are sealed with, read from the signing keys (which
 * every started store has) or a client; undefined when nothing is sealed yet.
 */
export async function sealedKeyIdOf(store: Store): Promise<string | undefined> {
  for (const kind of ['signing', 'cookie'] as const) {
    const sealed = (await store.keySets.get(kind))?.keys.find((key) => isSealed(key.jwk.sealed));
    if (sealed) return keyIdOf(sealed.jwk.sealed as string);
  }
  const client = (await store.clients.list()).find((c) => isSealed(c.metadata.client_secret));
  return client ? keyIdOf(client.metadata.client_secret as string) : undefined;
}

/** `store` with its client secrets and keys sealed on the way in and opened on the way out. */
export function sealSecrets(store: Store, sealer: Sealer): Store {
  // Everything else is the store's own (its getters too, read through the prototype).
  return Object.assign(Object.create(store) as Store, {
    accounts: sealedAccounts(store.accounts, sealer),
    clients: sealedClients(store.clients, sealer),
    keySets: sealedKeySets(store.keySets, sealer),
  });
}

/**
 * Seals what an older version stored in the clear (or under `previous` keys during a rewrap): every
 * client secret and key is read through `sealed` and written back. Answers how many records changed.
 */
export async function resealAll(raw: Store, sealed: Store, sealer: Sealer): Promise<number> {
  let changed = 0;
  for (const client of await raw.clients.list()) {
    const secret = client.metadata.client_secret;
    if (typeof secret !== 'string' || sealedWithCurrent(secret, sealer)) continue;
    // A write that beats this one goes through `sealed` too, so a lost race leaves it sealed.
    const open = await sealed.clients.get(client.clientId);
    if (open && (await sealed.clients.replace(open))) changed++;
  }
  for (const account of await raw.accounts.list()) {
    const secret = account.totp?.secret;
    if (secret === undefined || sealedWithCurrent(secret, sealer)) continue;
    const open = await sealed.accounts.get(account.id);
    if (open && (await sealed.accounts.replace(open))) changed++;
  }
  for (const kind of ['signing', 'cookie'] as const) {
    for (;;) {
      const current = await raw.keySets.get(kind);
      if (!current || current.keys.every((key) => sealedWithCurrent(key.jwk.sealed, sealer))) break;
      const open = await sealed.keySets.get(kind);
      if (open && open.version === current.version) {
        if (await sealed.keySets.replace(kind, open.version, open.keys)) {
          changed++;
          break;
        }
      }
    }
  }
  return changed;
}

function sealedWithCurrent(value: unknown, sealer: Sealer): boolean {
  return isSealed(value) && keyIdOf(value) === sealer.keyId;
}

function sealedClients(clients: ClientRecords, sealer: Sealer): ClientRecords {
  const context = (client: ClientRecord) => `client_secret:${client.clientId}`;
  const seal = (client: ClientRecord): ClientRecord => {
    const secret = client.metadata.client_secret;
    if (typeof secret !== 'string') return client;
    const sealed = sealer.seal(secret, context(client));
    return { ...client, metadata: { ...client.metadata, client_secret: sealed } };
  };
  const open = async (client: ClientRecord): Promise<ClientRecord> => {
    const secret = client.metadata.client_secret;
    if (typeof secret !== 'string') return client;
    const opened = await sealer.openAdopting(secret, context(client));
    return { ...client, metadata: { ...client.metadata, client_secret: opened } };
  };
  return {
    create: (client) => clients.create(seal(client)),
    get: async (clientId) => {
      const client = await clients.get(clientId);
      return client && open(client);
    },
    list: async () => Promise.all((await clients.list()).map(open)),
    replace: (client) => clients.replace(seal(client)),
    delete: (clientId) => clients.delete(clientId),
  };
}

function sealedAccounts(accounts: AccountRecords, sealer: Sealer): AccountRecords {
  const context = (account: Account) => `totp:${account.id}`;
  const seal = (account: Account): Account =>
    account.totp
      ? {
          ...account,
          totp: { ...account.totp, secret: sealer.seal(account.totp.secret, context(account)) },
        }
      : account;
  const open = async (account: Account | undefined): Promise<Account | undefined> => {
    if (!account?.totp) return account;
    const secret = await sealer.openAdopting(account.totp.secret, context(account));
    return { ...account, totp: { ...account.totp, secret } };
  };
  const openAll = async (list: Account[]) =>
    Promise.all(list.map(async (account) => (await open(account))!));
  return {
    create: (account) => accounts.create(seal(account)),
    get: async (id) => open(await accounts.get(id)),
    findByUsername: async (username) => open(await accounts.findByUsername(username)),
    findByEmail: async (email) => open(await accounts.findByEmail(email)),
    findByPasskey: async (id) => open(await accounts.findByPasskey(id)),
    list: async () => openAll(await accounts.list()),
    page: async (query) => openAll(await accounts.page(query)),
    replace: (account) => accounts.replace(seal(account)),
    delete: (id) => accounts.delete(id),
  };
}

function sealedKeySets(keySets: KeySetRecords, sealer: Sealer): KeySetRecords {
  const context = (kind: KeySetKind, key: StoredKey) => `${kind}-key:${key.kid}`;
  const seal = (kind: KeySetKind, keys: StoredKey[]) =>
    keys.map((key) => ({
      ...key,
      jwk: { sealed: sealer.seal(JSON.stringify(key.jwk), context(kind, key)) },
    }));
  const openKey = async (kind: KeySetKind, key: StoredKey): Promise<StoredKey> => {
    if (!isSealed(key.jwk.sealed)) return key;
    const jwk = await sealer.openAdopting(key.jwk.sealed, context(kind, key));
    return { ...key, jwk: JSON.parse(jwk) as StoredKey['jwk'] };
  };
  const open = async (set: KeySet | undefined): Promise<KeySet | undefined> =>
    set && { ...set, keys: await Promise.all(set.keys.map((key) => openKey(set.kind, key))) };
  return {
    get: async (kind) => open(await keySets.get(kind)),
    create: async (kind, keys) => (await open(await keySets.create(kind, seal(kind, keys))))!,
    replace: async (kind, expectedVersion, keys) =>
      open(await keySets.replace(kind, expectedVersion, seal(kind, keys))),
  };
}

// The encryption key for sealing, derived from the master key for this one purpose.
function derive(masterKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'sso secrets at rest v1', 32));
}
