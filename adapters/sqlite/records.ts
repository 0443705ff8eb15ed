// Accounts, clients, APIs and key sets on SQLite: each record kept as JSON, with its unique fields
// in columns so that SQLite enforces uniqueness.
import type {
  Account,
  AccountQuery,
  AccountRecords,
  ApiRecord,
  ApiRecords,
  ClientRecord,
  ClientRecords,
  KeySet,
  KeySetKind,
  KeySetRecords,
  StoredKey,
} from '../store.ts';
import type { Database } from './database.ts';

interface DataRow {
  data: string;
}

// A stored record; one written before versions existed is version 0.
function parse<T>(row: DataRow | undefined): T | undefined {
  return row ? ({ version: 0, ...JSON.parse(row.data) } as T) : undefined;
}

// The record as stored at `version`.
function json(record: object, version: number): string {
  return JSON.stringify({ ...record, version });
}

// The stored version of a row, in SQL (0 for rows written before versions existed).
const VERSION = "coalesce(json_extract(data, '$.version'), 0)";

/** The embedded backend's accounts. */
export class SqliteAccounts implements AccountRecords {
  readonly #db: Database;
  constructor(db: Database) {
    this.#db = db;
  }

  async create(account: Account): Promise<void> {
    await this.#db.run(
      'INSERT INTO accounts (id, username, email, data) VALUES (?, ?, ?, ?)',
      account.id,
      account.username,
      account.email ?? null,
      json(account, 1),
    );
  }

  async get(id: string): Promise<Account | undefined> {
    return parse(await this.#db.get('SELECT data FROM accounts WHERE id = ?', id));
  }

  async findByUsername(username: string): Promise<Account | undefined> {
    return parse(await this.#db.get('SELECT data FROM accounts WHERE username = ?', username));
  }

  async findByEmail(email: string): Promise<Account | undefined> {
    return parse(await this.#db.get('SELECT data FROM accounts WHERE email = ?', email));
  }

  async findByPasskey(id: string): Promise<Account | undefined> {
    // Passkey sign-in is rare next to token traffic: a scan of the accounts' JSON, no side table.
    return parse(
      await this.#db.get(
        `SELECT data FROM accounts WHERE EXISTS (
           SELECT 1 FROM json_each(data, '$.passkeys') WHERE json_extract(value, '$.id') = ?)`,
        id,
      ),
    );
  }

  async list(): Promise<Account[]> {
    const rows = await this.#db.all<DataRow>('SELECT data FROM accounts ORDER BY username');
    return rows.map((row) => parse<Account>(row)!);
  }

  async page(query: AccountQuery): Promise<Account[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (query.prefix !== undefined && query.prefix !== '') {
      // A range on each unique column, answered from its index: "starts with", case as stored.
      where.push('((username >= ? AND username < ?) OR (email >= ? AND email < ?))');
      const end = `${query.prefix}\u{10ffff}`;
      params.push(query.prefix, end, query.prefix, end);
    }
    if (query.group !== undefined) {
      where.push(`EXISTS (SELECT 1 FROM json_each(data, '$.groups') WHERE value = ?)`);
      params.push(query.group);
    }
    if (query.after !== undefined) {
      where.push('username > ?');
      params.push(query.after);
    }
    const rows = await this.#db.all<DataRow>(
      `SELECT data FROM accounts ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY username LIMIT ?`,
      ...params,
      Math.max(0, Math.floor(query.limit)),
    );
    return rows.map((row) => parse<Account>(row)!);
  }

  async replace(account: Account): Promise<boolean> {
    const changed = await this.#db.run(
      `UPDATE accounts SET username = ?, email = ?, data = ? WHERE id = ? AND ${VERSION} = ?`,
      account.username,
      account.email ?? null,
      json(account, account.version + 1),
      account.id,
      account.version,
    );
    return changed === 1;
  }

  async delete(id: string): Promise<boolean> {
    return (await this.#db.run('DELETE FROM accounts WHERE id = ?', id)) === 1;
  }
}

/** A table of JSON records with one unique key column: clients and APIs. */
class KeyedJsonTable<T extends { version: number }> {
  readonly #db: Database;
  readonly #table: string;
  readonly #column: string;
  readonly #keyOf: (record: T) => string;

  constructor(db: Database, table: string, column: string, keyOf: (record: T) => string) {
    this.#db = db;
    this.#table = table;
    this.#column = column;
    this.#keyOf = keyOf;
  }

  async create(record: T): Promise<void> {
    await this.#db.run(
      `INSERT INTO ${this.#table} (${this.#column}, data) VALUES (?, ?)`,
      this.#keyOf(record),
      json(record, 1),
    );
  }

  async get(key: string): Promise<T | undefined> {
    return parse(
      await this.#db.get(`SELECT data FROM ${this.#table} WHERE ${this.#column} = ?`, key),
    );
  }

  async list(): Promise<T[]> {
    const rows = await this.#db.all<DataRow>(
      `SELECT data FROM ${this.#table} ORDER BY ${this.#column}`,
    );
    return rows.map((row) => parse<T>(row)!);
  }

  async replace(record: T): Promise<boolean> {
    const changed = await this.#db.run(
      `UPDATE ${this.#table} SET data = ? WHERE ${this.#column} = ? AND ${VERSION} = ?`,
      json(record, record.version + 1),
      this.#keyOf(record),
      record.version,
    );
    return changed === 1;
  }

  async delete(key: string): Promise<boolean> {
    return (await this.#db.run(`DELETE FROM ${this.#table} WHERE ${this.#column} = ?`, key)) === 1;
  }
}

/** The embedded backend's clients. */
export class SqliteClients extends KeyedJsonTable<ClientRecord> implements ClientRecords {
  constructor(db: Database) {
    super(db, 'clients', 'client_id', (client) => client.clientId);
  }
}

/** The embedded backend's APIs. */
export class SqliteApis extends KeyedJsonTable<ApiRecord> implements ApiRecords {
  constructor(db: Database) {
    super(db, 'apis', 'audience', (api) => api.audience);
  }
}

interface KeySetRow {
  version: number;
  keys: string;
}

/** The embedded backend's key sets. */
export class SqliteKeySets implements KeySetRecords {
  readonly #db: Database;
  constructor(db: Database) {
    this.#db = db;
  }

  async get(kind: KeySetKind): Promise<KeySet | undefined> {
    return this.#get(kind);
  }

  async create(kind: KeySetKind, keys: StoredKey[]): Promise<KeySet> {
    await this.#db.run(
      'INSERT INTO key_sets (kind, version, keys) VALUES (?, 1, ?) ON CONFLICT (kind) DO NOTHING',
      kind,
      JSON.stringify(keys),
    );
    return (await this.#get(kind))!;
  }

  async replace(
    kind: KeySetKind,
    expectedVersion: number,
    keys: StoredKey[],
  ): Promise<KeySet | undefined> {
    const changed = await this.#db.run(
      'UPDATE key_sets SET version = version + 1, keys = ? WHERE kind = ? AND version = ?',
      JSON.stringify(keys),
      kind,
      expectedVersion,
    );
    return changed === 1 ? this.#get(kind) : undefined;
  }

  async #get(kind: KeySetKind): Promise<KeySet | undefined> {
    const row = await this.#db.get<KeySetRow>(
      'SELECT version, keys FROM key_sets WHERE kind = ?',
      kind,
    );
    return row
      ? { kind, version: row.version, keys: JSON.parse(row.keys) as StoredKey[] }
      : undefined;
  }
}
