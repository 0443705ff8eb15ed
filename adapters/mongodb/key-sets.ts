// Key sets on MongoDB as an insert-only list of versions: `_id` is `<kind>:<version>`, so creating
// version 1, or version n+1 from version n, is one unique insert, which exactly one concurrent
// writer wins on every server (a compare-and-swap by conditional update is not atomic on FerretDB
// 1.x). Once a version is superseded its keys are erased; the document stays as a tombstone so that
// its number can never be taken again.
import type { Collection } from 'mongodb';
import type { KeySet, KeySetKind, KeySetRecords, StoredKey } from '../store.ts';
import type { KeySetDoc } from './collections.ts';
import { guarded, isDuplicateKey } from './errors.ts';
import type { MongoUriInfo } from './uri.ts';

const ERASED = '[]';

/** The MongoDB backend's key sets. */
export class MongoKeySets implements KeySetRecords {
  readonly #versions: Collection<KeySetDoc>;
  readonly #uri: MongoUriInfo;

  constructor(versions: Collection<KeySetDoc>, uri: MongoUriInfo) {
    this.#versions = versions;
    this.#uri = uri;
  }

  async get(kind: KeySetKind): Promise<KeySet | undefined> {
    return guarded(this.#uri, () => this.#latest(kind));
  }

  async create(kind: KeySetKind, keys: StoredKey[]): Promise<KeySet> {
    return guarded(this.#uri, async () => {
      const doc = versionDoc(kind, 1, keys);
      if (await this.#insert(doc)) return fromDoc(doc);
      const existing = await this.#latest(kind);
      if (!existing) throw new Error(`key set ${kind} refused version 1 but has no version`);
      return existing;
    });
  }

  async replace(
    kind: KeySetKind,
    expectedVersion: number,
    keys: StoredKey[],
  ): Promise<KeySet | undefined> {
    return guarded(this.#uri, async () => {
      const expected = await this.#versions.findOne(
        { _id: idOf(kind, expectedVersion) },
        { projection: { _id: 1 } },
      );
      if (!expected) return undefined;
      // Version n+1 exists exactly when someone already replaced version n.
      const doc = versionDoc(kind, expectedVersion + 1, keys);
      if (!(await this.#insert(doc))) return undefined;
      await this.#eraseBefore(kind, doc.version);
      return fromDoc(doc);
    });
  }

  async #latest(kind: KeySetKind): Promise<KeySet | undefined> {
    const doc = await this.#versions.findOne({ kind }, { sort: { version: -1 } });
    return doc ? fromDoc(doc) : undefined;
  }

  // Inserts a version; false when that version exists.
  async #insert(doc: KeySetDoc): Promise<boolean> {
    try {
      await this.#versions.insertOne(doc);
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  // Erases the keys of superseded versions. Best effort: the replace has already happened, and the
  // next replace erases whatever this one could not.
  async #eraseBefore(kind: KeySetKind, version: number): Promise<void> {
    await this.#versions
      .updateMany(
        { kind, version: { $lt: version }, keys: { $ne: ERASED } },
        { $set: { keys: ERASED } },
      )
      .catch(() => undefined);
  }
}

function idOf(kind: KeySetKind, version: number): string {
  return `${kind}:${version}`;
}

function versionDoc(kind: KeySetKind, version: number, keys: StoredKey[]): KeySetDoc {
  return { _id: idOf(kind, version), kind, version, keys: JSON.stringify(keys) };
}

function fromDoc(doc: KeySetDoc): KeySet {
  return {
    kind: doc.kind as KeySetKind,
    version: doc.version,
    keys: JSON.parse(doc.keys) as StoredKey[],
  };
}
