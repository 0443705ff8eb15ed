// The audit log on MongoDB: one document per event, forgotten by the TTL index (or the sweep) at
// `expiresAt`; listed newest first through the `time` index.
import type { Collection, Filter } from 'mongodb';
import {
  StoreConflictError,
  type AuditEvent,
  type AuditFilter,
  type AuditRecords,
} from '../store.ts';
import { definedFields, type AuditDoc } from './collections.ts';
import { guarded, isDuplicateKey } from './errors.ts';
import { startsWith } from './prefix.ts';
import type { MongoUriInfo } from './uri.ts';

/** The MongoDB backend's audit log. */
export class MongoAudit implements AuditRecords {
  readonly #audit: Collection<AuditDoc>;
  readonly #uri: MongoUriInfo;

  constructor(audit: Collection<AuditDoc>, uri: MongoUriInfo) {
    this.#audit = audit;
    this.#uri = uri;
  }

  async append(event: AuditEvent): Promise<void> {
    const { id, expiresAt, ...fields } = event;
    await guarded(this.#uri, async () => {
      try {
        await this.#audit.insertOne({
          _id: id,
          ...definedFields(fields),
          expiresAt: new Date(expiresAt),
        } as AuditDoc);
      } catch (error) {
        if (isDuplicateKey(error)) throw new StoreConflictError('id');
        throw error;
      }
    });
  }

  async list(filter: AuditFilter): Promise<AuditEvent[]> {
    if (filter.limit < 1) return []; // MongoDB reads limit(0) as "no limit"
    const query: Filter<AuditDoc> = { expiresAt: { $gt: new Date() } };
    const and: Filter<AuditDoc>[] = [];
    if (filter.type !== undefined) {
      and.push({
        $or: [{ type: filter.type }, { type: startsWith(filter.type, '\\.') }],
      });
    }
    if (filter.user !== undefined) {
      and.push({ $or: [{ username: filter.user }, { accountId: filter.user }] });
    }
    if (filter.clientId !== undefined) query.clientId = filter.clientId;
    if (filter.ip !== undefined) query.ip = filter.ip;
    if (filter.since !== undefined || filter.until !== undefined) {
      query.time = {
        ...(filter.since !== undefined ? { $gte: filter.since } : {}),
        ...(filter.until !== undefined ? { $lt: filter.until } : {}),
      };
    }
    if (filter.before !== undefined) {
      const { time, id } = filter.before;
      and.push({ $or: [{ time: { $lt: time } }, { time, _id: { $lt: id } }] });
    }
    if (and.length) query.$and = and;
    const docs = await guarded(this.#uri, () =>
      this.#audit
        .find(query)
        .sort({ time: -1, _id: -1 })
        .limit(Math.max(0, Math.floor(filter.limit)))
        .toArray(),
    );
    return docs.map(({ _id, expiresAt, ...fields }) => ({
      id: _id,
      ...fields,
      expiresAt: expiresAt.getTime(),
    })) as AuditEvent[];
  }
}
