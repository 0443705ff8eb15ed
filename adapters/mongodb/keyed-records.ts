// Clients and APIs on MongoDB: records unique by one key, which is their `_id`.
import type { Collection, Document, Filter, WithId } from 'mongodb';
import {
  StoreConflictError,
  type ApiRecord,
  type ApiRecords,
  type ClientRecord,
  type ClientRecords,
} from '../store.ts';
import { definedFields, type ApiDoc, type ClientDoc } from './collections.ts';
import { replaceVersion, versionOf, type Versioned } from './compare-and-swap.ts';
import { guarded, isDuplicateKey } from './errors.ts';
import type { MongoUriInfo } from './uri.ts';

interface Mapping<T, D extends Document & { _id: string }> {
  /** The record's field that is its `_id`, as the contract names it in conflicts. */
  readonly keyField: string;
  readonly toDoc: (record: T) => D;
  readonly fromDoc: (doc: WithId<D>) => T;
}

/** Records unique by one key kept as `_id`: create, get, list by key, replace, delete. */
class KeyedRecords<T extends { version: number }, D extends Document & { _id: string }> {
  readonly #collection: Collection<D>;
  readonly #uri: MongoUriInfo;
  readonly #map: Mapping<T, D>;
  readonly #versioned: Versioned;

  constructor(
    collection: Collection<D>,
    uri: MongoUriInfo,
    versioned: Versioned,
    mapping: Mapping<T, D>,
  ) {
    this.#collection = collection;
    this.#uri = uri;
    this.#versioned = versioned;
    this.#map = mapping;
  }

  async create(record: T): Promise<void> {
    await guarded(this.#uri, async () => {
      try {
        // The driver's OptionalUnlessRequiredId<D> is D here: our documents always carry _id.
        await this.#collection.insertOne(this.#map.toDoc({ ...record, version: 1 }) as never);
      } catch (error) {
        if (isDuplicateKey(error)) throw new StoreConflictError(this.#map.keyField);
        throw error;
      }
    });
  }

  async get(key: string): Promise<T | undefined> {
    const doc = await guarded(this.#uri, () => this.#collection.findOne(byKey(key)));
    return doc ? this.#read(doc) : undefined;
  }

  async list(): Promise<T[]> {
    const docs = await guarded(this.#uri, () => this.#collection.find().sort({ _id: 1 }).toArray());
    return docs.map((doc) => this.#read(doc));
  }

  async replace(record: T): Promise<boolean> {
    const { _id, ...rest } = this.#map.toDoc(record);
    return guarded(this.#uri, () =>
      replaceVersion(this.#collection, this.#versioned, _id, record.version, rest),
    );
  }

  async delete(key: string): Promise<boolean> {
    const result = await guarded(this.#uri, () => this.#collection.deleteOne(byKey(key)));
    return result.deletedCount === 1;
  }

  #read(doc: WithId<D>): T {
    return { ...this.#map.fromDoc(doc), version: versionOf(doc) };
  }
}

// A filter on _id; the driver's Filter<D> does not see that every D has a string _id.
function byKey<D extends Document>(key: string): Filter<D> {
  return { _id: key } as Filter<D>;
}

/**
 * The MongoDB backend's clients; metadata and the per-API scopes are stored as JSON (their keys
 * may contain dots: audiences are URLs).
 */
export class MongoClients extends KeyedRecords<ClientRecord, ClientDoc> implements ClientRecords {
  constructor(collection: Collection<ClientDoc>, uri: MongoUriInfo, versioned: Versioned) {
    super(collection, uri, versioned, {
      keyField: 'clientId',
      toDoc: ({ clientId, metadata, apiScopes, ...fields }) => ({
        _id: clientId,
        metadata: JSON.stringify(metadata),
        ...(apiScopes ? { apiScopes: JSON.stringify(apiScopes) } : {}),
        ...definedFields(fields),
      }),
      fromDoc: ({ _id, metadata, apiScopes, ...fields }) =>
        ({
          clientId: _id,
          metadata: JSON.parse(metadata) as ClientRecord['metadata'],
          ...(typeof apiScopes === 'string'
            ? { apiScopes: JSON.parse(apiScopes) as ClientRecord['apiScopes'] }
            : {}),
          ...fields,
        }) as ClientRecord,
    });
  }
}

/** The MongoDB backend's APIs, keyed by audience. */
export class MongoApis extends KeyedRecords<ApiRecord, ApiDoc> implements ApiRecords {
  constructor(collection: Collection<ApiDoc>, uri: MongoUriInfo, versioned: Versioned) {
    super(collection, uri, versioned, {
      keyField: 'audience',
      toDoc: ({ audience, ...fields }) => ({ _id: audience, ...definedFields(fields) }),
      fromDoc: ({ _id, ...fields }) => ({ audience: _id, ...fields }) as ApiRecord,
    });
  }
}
