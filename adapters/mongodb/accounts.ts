// Accounts on MongoDB: one document per account, unique by _id (the account id), `username` and,
// when present, `email` (unique sparse indexes; see schema.ts).
import type { Collection, Filter, WithId } from 'mongodb';
import {
  StoreConflictError,
  type Account,
  type AccountQuery,
  type AccountRecords,
} from '../store.ts';
import { definedFields, type AccountDoc } from './collections.ts';
import { replaceVersion, versionOf, type Versioned } from './compare-and-swap.ts';
import { duplicateKeyName, guarded, isDuplicateKey } from './errors.ts';
import { ACCOUNT_INDEXES } from './schema.ts';
import type { MongoUriInfo } from './uri.ts';

const FIELD_OF_KEY: Record<string, string> = {
  _id: 'id',
  [ACCOUNT_INDEXES.username]: 'username',
  username: 'username',
  [ACCOUNT_INDEXES.email]: 'email',
  email: 'email',
};

/** The MongoDB backend's accounts. */
export class MongoAccounts implements AccountRecords {
  readonly #accounts: Collection<AccountDoc>;
  readonly #uri: MongoUriInfo;
  readonly #versioned: Versioned;

  constructor(accounts: Collection<AccountDoc>, uri: MongoUriInfo, versioned: Versioned) {
    this.#accounts = accounts;
    this.#uri = uri;
    this.#versioned = versioned;
  }

  async create(account: Account): Promise<void> {
    await this.#write(account, () => this.#accounts.insertOne(toDoc({ ...account, version: 1 })));
  }

  async get(id: string): Promise<Account | undefined> {
    return this.#findOne({ _id: id });
  }

  async findByUsername(username: string): Promise<Account | undefined> {
    return this.#findOne({ username });
  }

  async findByEmail(email: string): Promise<Account | undefined> {
    return this.#findOne({ email });
  }

  async findByPasskey(id: string): Promise<Account | undefined> {
    return this.#findOne({ 'passkeys.id': id });
  }

  async list(): Promise<Account[]> {
    const docs = await guarded(this.#uri, () =>
      this.#accounts.find().sort({ username: 1 }).toArray(),
    );
    return docs.map(fromDoc);
  }

  async page(query: AccountQuery): Promise<Account[]> {
    if (query.limit < 1) return []; // MongoDB reads limit(0) as "no limit"
    const and: Filter<AccountDoc>[] = [];
    if (query.prefix !== undefined && query.prefix !== '') {
      // A range on each unique index: "starts with", case as stored.
      const range = { $gte: query.prefix, $lt: `${query.prefix}\u{10ffff}` };
      and.push({ $or: [{ username: range }, { email: range }] });
    }
    if (query.group !== undefined) and.push({ groups: query.group });
    if (query.after !== undefined) and.push({ username: { $gt: query.after } });
    const docs = await guarded(this.#uri, () =>
      this.#accounts
        .find(and.length ? { $and: and } : {})
        .sort({ username: 1 })
        .limit(Math.floor(query.limit))
        .toArray(),
    );
    return docs.map(fromDoc);
  }

  async replace(account: Account): Promise<boolean> {
    const { _id, ...rest } = toDoc(account);
    return this.#write(account, () =>
      replaceVersion(this.#accounts, this.#versioned, _id, account.version, rest),
    );
  }

  async delete(id: string): Promise<boolean> {
    const result = await guarded(this.#uri, () => this.#accounts.deleteOne({ _id: id }));
    return result.deletedCount === 1;
  }

  async #findOne(filter: Partial<AccountDoc>): Promise<Account | undefined> {
    const doc = await guarded(this.#uri, () => this.#accounts.findOne(filter));
    return doc ? fromDoc(doc) : undefined;
  }

  // Runs a write; a unique-index violation becomes a StoreConflictError naming the field.
  async #write<T>(account: Account, write: () => Promise<T>): Promise<T> {
    return guarded(this.#uri, async () => {
      try {
        return await write();
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        throw new StoreConflictError(await this.#conflictingField(error, account));
      }
    });
  }

  // MongoDB names the index that refused the write; FerretDB often doesn't, so then ask which of
  // the account's unique values another account holds. (This only explains a write already refused.)
  async #conflictingField(error: unknown, account: Account): Promise<string> {
    const named = duplicateKeyName(error, Object.values(ACCOUNT_INDEXES));
    if (named !== undefined && FIELD_OF_KEY[named]) return FIELD_OF_KEY[named];
    const other = { _id: { $ne: account.id } };
    const projection = { projection: { _id: 1 } };
    if (await this.#accounts.findOne({ ...other, username: account.username }, projection)) {
      return 'username';
    }
    if (
      account.email !== undefined &&
      (await this.#accounts.findOne({ ...other, email: account.email }, projection))
    ) {
      return 'email';
    }
    return 'id';
  }
}

function toDoc(account: Account): AccountDoc {
  const { id, ...fields } = account;
  return { _id: id, ...definedFields(fields) } as AccountDoc;
}

function fromDoc(doc: WithId<AccountDoc>): Account {
  const { _id, ...fields } = doc;
  return { id: _id, ...fields, version: versionOf(doc) } as unknown as Account;
}
