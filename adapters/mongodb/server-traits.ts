// What the server guarantees, read once when the store opens. MongoDB and DocumentDB apply an
// update's filter and change as one atomic step; FerretDB 1.x (which says so in buildInfo's
// `ferretdbVersion`) reads and writes in separate steps, so a concurrent `$inc` can be lost there.
import type { Db } from 'mongodb';

/** The guarantees the store relies on where the server has them. */
export interface ServerTraits {
  /** What the server calls itself, for logs: `MongoDB 7.0.14`, `FerretDB v1.24.2`, … */
  readonly description: string;
  /** Whether a single-document update (`$inc`, findOneAndUpdate) is atomic. */
  readonly atomicUpdates: boolean;
}

/** Asks the server what it is. */
export async function readServerTraits(db: Db): Promise<ServerTraits> {
  const info = await db.admin().command({ buildInfo: 1 });
  const ferretdb = typeof info.ferretdbVersion === 'string' ? info.ferretdbVersion : undefined;
  if (ferretdb) return { description: `FerretDB ${ferretdb}`, atomicUpdates: false };
  return { description: `MongoDB ${String(info.version)}`, atomicUpdates: true };
}
