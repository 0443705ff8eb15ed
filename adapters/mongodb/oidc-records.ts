// OidcRecords on MongoDB: one collection per model, the payload as JSON next to indexed side fields.
import { randomBytes } from 'node:crypto';
import type { Collection, WithoutId } from 'mongodb';
import type { OidcModel, OidcPayload, OidcRecords } from '../store.ts';
import { oidcCollection, type Collections, type OidcDoc } from './collections.ts';
import { guarded, isDuplicateKey } from './errors.ts';
import { expiryOf, hasExpired } from './expiry.ts';
import { claimOnce } from './single-use.ts';
import type { MongoUriInfo } from './uri.ts';

// The models oidc-provider saves once, at creation (consume() marks them used): AccessToken,
// ClientCredentials, AuthorizationCode, RefreshToken. Sessions, grants, interactions and device
// codes are saved again as they change.
const WRITTEN_ONCE: ReadonlySet<OidcModel> = new Set([
  'AccessToken',
  'ClientCredentials',
  'AuthorizationCode',
  'RefreshToken',
]);

// A write that races another first write of the same id may see a duplicate key: try again.
const WRITE_ATTEMPTS = 3;

/** The MongoDB backend's oidc-provider records. */
export class MongoOidcRecords implements OidcRecords {
  readonly #collections: Collections;
  readonly #uri: MongoUriInfo;
  readonly #atomicUpdates: boolean;

  /**
   * `atomicUpdates`: whether the server's conditional writes are atomic (server-traits.ts). Where
   * they are, the conditional write alone decides a single use; where not, a single-use mark does.
   */
  constructor(collections: Collections, uri: MongoUriInfo, atomicUpdates: boolean) {
    this.#collections = collections;
    this.#uri = uri;
    this.#atomicUpdates = atomicUpdates;
  }

  async upsert(
    model: OidcModel,
    id: string,
    payload: OidcPayload,
    expiresIn?: number,
  ): Promise<void> {
    const doc = toDoc(payload, expiresIn);
    const collection = this.#of(model);
    await guarded(this.#uri, async () => {
      // A token is written once, under a new random id: a plain insert, which costs a server less
      // than an upsert (FerretDB's is a read and then a write). An id that is taken after all
      // (a record written again) is replaced, as for the other models.
      if (WRITTEN_ONCE.has(model) && (await insertUnlessTaken(collection, { _id: id, ...doc }))) {
        return;
      }
      await retryOnDuplicate(() => collection.replaceOne({ _id: id }, doc, { upsert: true }));
    });
  }

  // One atomic insert decides. When a record holds the id, it is either live (answer false) or
  // expired: then the replacement conditional on that record's version decides who replaces it
  // (with a single-use mark first where conditional writes are not atomic).
  async insertIfAbsent(
    model: OidcModel,
    id: string,
    payload: OidcPayload,
    expiresIn?: number,
  ): Promise<boolean> {
    const doc = toDoc(payload, expiresIn);
    const collection = this.#of(model);
    return guarded(this.#uri, async () => {
      for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
        if (await insertUnlessTaken(collection, { _id: id, ...doc })) return true;
        const held = await collection.findOne(
          { _id: id },
          { projection: { expiresAt: 1, rev: 1 } },
        );
        if (!held) continue; // removed in the meantime: insert again
        const now = new Date();
        if (!hasExpired(held.expiresAt, now)) return false;
        const mark = `replace:${model}:${id}:${held.rev}`;
        if (!this.#atomicUpdates && !(await claimOnce(this.#collections.singleUse, mark, now))) {
          return false;
        }
        const replaced = await collection.replaceOne({ _id: id, rev: held.rev }, doc);
        return replaced.matchedCount === 1;
      }
      return false;
    });
  }

  async find(model: OidcModel, id: string): Promise<OidcPayload | undefined> {
    return this.#findOne(model, { _id: id });
  }

  async findByUid(model: OidcModel, uid: string): Promise<OidcPayload | undefined> {
    return this.#findOne(model, { uid });
  }

  async findByUserCode(model: OidcModel, userCode: string): Promise<OidcPayload | undefined> {
    return this.#findOne(model, { userCode });
  }

  // The conditional write marks the record; on servers whose conditional writes are atomic
  // (MongoDB, DocumentDB) only one caller gets it back, and that decides. Where they are not
  // (FerretDB 1.x), a single-use mark on the record's version makes it exact.
  async consume(model: OidcModel, id: string): Promise<boolean> {
    return guarded(this.#uri, async () => {
      const now = new Date();
      // (No projection: FerretDB 1.24 refuses one on findAndModify.)
      // By `_id` (answered from the index on every server); expiry is checked on the answer.
      const before = await this.#of(model).findOneAndUpdate(
        { _id: id, consumedAt: null },
        { $set: { consumedAt: now } },
      );
      if (!before || hasExpired(before.expiresAt, now)) return false;
      if (this.#atomicUpdates) return true;
      return claimOnce(this.#collections.singleUse, `consume:${model}:${id}:${before.rev}`, now);
    });
  }

  async listByAccountId(
    model: OidcModel,
    accountId: string,
  ): Promise<{ id: string; payload: OidcPayload }[]> {
    const docs = await guarded(this.#uri, () => this.#of(model).find({ accountId }).toArray());
    const now = new Date();
    return docs
      .filter((doc) => !hasExpired(doc.expiresAt, now))
      .map((doc) => ({ id: doc._id, payload: fromDoc(doc) }));
  }

  async destroy(model: OidcModel, id: string): Promise<void> {
    await guarded(this.#uri, () => this.#of(model).deleteOne({ _id: id }));
  }

  async revokeByGrantId(model: OidcModel, grantId: string): Promise<number> {
    const result = await guarded(this.#uri, () => this.#of(model).deleteMany({ grantId }));
    return result.deletedCount;
  }

  async destroyByAccountId(accountId: string): Promise<number> {
    const results = await guarded(this.#uri, () =>
      Promise.all([...this.#collections.oidc.values()].map((c) => c.deleteMany({ accountId }))),
    );
    return results.reduce((sum, result) => sum + result.deletedCount, 0);
  }

  async destroyByClientId(clientId: string): Promise<number> {
    const results = await guarded(this.#uri, () =>
      Promise.all([...this.#collections.oidc.values()].map((c) => c.deleteMany({ clientId }))),
    );
    return results.reduce((sum, result) => sum + result.deletedCount, 0);
  }

  async #findOne(
    model: OidcModel,
    filter: { _id: string } | { uid: string } | { userCode: string },
  ): Promise<OidcPayload | undefined> {
    // One indexed field only (FerretDB answers nothing else from an index); expiry in code.
    const doc = await guarded(this.#uri, () => this.#of(model).findOne(filter));
    return doc && !hasExpired(doc.expiresAt, new Date()) ? fromDoc(doc) : undefined;
  }

  #of(model: OidcModel): Collection<OidcDoc> {
    return oidcCollection(this.#collections, model);
  }
}

// Inserts `doc`; answers false when its _id is taken.
async function insertUnlessTaken(collection: Collection<OidcDoc>, doc: OidcDoc): Promise<boolean> {
  try {
    await collection.insertOne(doc);
    return true;
  } catch (error) {
    if (isDuplicateKey(error)) return false;
    throw error;
  }
}

async function retryOnDuplicate<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (!isDuplicateKey(error) || attempt >= WRITE_ATTEMPTS) throw error;
    }
  }
}

function toDoc(payload: OidcPayload, expiresIn: number | undefined): WithoutId<OidcDoc> {
  const doc: WithoutId<OidcDoc> = {
    payload: JSON.stringify(payload),
    rev: randomBytes(12).toString('base64url'),
  };
  const expiresAt = expiryOf(Date.now(), expiresIn);
  if (expiresAt) doc.expiresAt = expiresAt;
  for (const field of ['grantId', 'uid', 'userCode', 'accountId', 'clientId'] as const) {
    const value = payload[field];
    if (typeof value === 'string') doc[field] = value;
  }
  return doc;
}

function fromDoc(doc: OidcDoc): OidcPayload {
  const payload = JSON.parse(doc.payload) as OidcPayload;
  if (doc.consumedAt) payload.consumed = Math.floor(doc.consumedAt.getTime() / 1000);
  return payload;
}
