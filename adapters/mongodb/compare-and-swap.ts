// Compare-and-swap of one versioned record (accounts, clients, APIs; see VERSIONS in ../store.ts).
// The filter `{_id, version}` and the replacement are one atomic step on MongoDB and DocumentDB.
// FerretDB 1.x evaluates a filter and writes in separate steps, so there the writer first claims a
// single-use mark on the version it read: of several writers of one version only the claimer goes
// on. (A claimer that dies before writing leaves that version unwritable until the mark expires;
// the writers that lose meanwhile answer a conflict rather than lose an update.)
import type { Collection, Document, Filter } from 'mongodb';
import type { SingleUseDoc } from './collections.ts';
import { claimOnce } from './single-use.ts';

/** Where a versioned record lives and how writes to it are decided. */
export interface Versioned {
  readonly marks: Collection<SingleUseDoc>;
  /** Whether the server's conditional writes are atomic (see server-traits.ts). */
  readonly atomicUpdates: boolean;
}

/**
 * Replaces the document `_id` whose stored version is `expected` by `doc` at `expected + 1`; false
 * when there is none or its version has moved on. Documents written before versions existed have
 * no `version` field and count as version 0.
 */
export async function replaceVersion<D extends Document & { _id: string }>(
  collection: Collection<D>,
  versioned: Versioned,
  _id: string,
  expected: number,
  doc: Omit<D, '_id'>,
): Promise<boolean> {
  if (!versioned.atomicUpdates) {
    const mark = `cas:${collection.collectionName}:${_id}:${expected}`;
    if (!(await claimOnce(versioned.marks, mark, new Date()))) return false;
  }
  const version = expected === 0 ? { $exists: false } : expected;
  const filter = { _id, version } as unknown as Filter<D>;
  const result = await collection.replaceOne(filter, { ...doc, version: expected + 1 });
  return result.matchedCount === 1;
}

/** A document's version as the record reads it (0 for documents written before versions). */
export function versionOf(doc: Document): number {
  return typeof doc.version === 'number' ? doc.version : 0;
}
