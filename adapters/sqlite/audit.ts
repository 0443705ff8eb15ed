// The audit log on SQLite: one row per event, the fields filtered on in columns, the rest as JSON.
import type { AuditEvent, AuditFilter, AuditRecords } from '../store.ts';
import type { Database } from './database.ts';

interface Row {
  data: string;
}

/** The embedded backend's audit log. */
export class SqliteAudit implements AuditRecords {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async append(event: AuditEvent): Promise<void> {
    await this.#db.run(
      `INSERT INTO audit_events (id, time, type, username, account_id, client_id, ip, data, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      event.id,
      event.time,
      event.type,
      event.username ?? null,
      event.accountId ?? null,
      event.clientId ?? null,
      event.ip ?? null,
      JSON.stringify(event),
      event.expiresAt,
    );
  }

  async list(filter: AuditFilter): Promise<AuditEvent[]> {
    const where = ['expires_at > ?'];
    const params: (string | number)[] = [Date.now()];
    if (filter.type !== undefined) {
      // `login` matches `login` and `login.failure`, not `loginx`.
      where.push('(type = ? OR substr(type, 1, ?) = ?)');
      params.push(filter.type, filter.type.length + 1, `${filter.type}.`);
    }
    if (filter.user !== undefined) {
      where.push('(username = ? OR account_id = ?)');
      params.push(filter.user, filter.user);
    }
    if (filter.clientId !== undefined) {
      where.push('client_id = ?');
      params.push(filter.clientId);
    }
    if (filter.ip !== undefined) {
      where.push('ip = ?');
      params.push(filter.ip);
    }
    if (filter.since !== undefined) {
      where.push('time >= ?');
      params.push(filter.since);
    }
    if (filter.until !== undefined) {
      where.push('time < ?');
      params.push(filter.until);
    }
    if (filter.before !== undefined) {
      where.push('(time < ? OR (time = ? AND id < ?))');
      params.push(filter.before.time, filter.before.time, filter.before.id);
    }
    const rows = await this.#db.all<Row>(
      `SELECT data FROM audit_events WHERE ${where.join(' AND ')}
       ORDER BY time DESC, id DESC LIMIT ?`,
      ...params,
      Math.max(0, Math.floor(filter.limit)),
    );
    return rows.map((row) => JSON.parse(row.data) as AuditEvent);
  }

  /** Removes forgotten events; answers how many. */
  sweepExpired(): Promise<number> {
    return this.#db.run('DELETE FROM audit_events WHERE expires_at <= ?', Date.now());
  }
}
