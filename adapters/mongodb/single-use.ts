// Single-use decisions by unique insert. An insert of one `_id` is atomic on every server we support;
// a conditional update is not: FerretDB 1.x evaluates an update's filter and writes the document in
// separate steps, so several concurrent `updateOne({consumedAt: null})` calls can all "modify" the
// same document. Whatever has to happen exactly once is therefore decided by inserting a mark.
import type { Collection } from 'mongodb';
import type { SingleUseDoc } from './collections.ts';
import { isDuplicateKey } from './errors.ts';

/** How long a mark is kept: far longer than any race it decides (marks of past races are inert). */
export const SINGLE_USE_MARK_LIFETIME_MS = 10 * 60 * 1000;

/** Inserts the mark `key`; answers true for the one caller that inserted it, false for the others. */
export async function claimOnce(
  marks: Collection<SingleUseDoc>,
  key: string,
  now: Date,
): Promise<boolean> {
  try {
    await marks.insertOne({
      _id: key,
      expiresAt: new Date(now.getTime() + SINGLE_USE_MARK_LIFETIME_MS),
    });
    return true;
  } catch (error) {
    if (isDuplicateKey(error)) return false;
    throw error;
  }
}
