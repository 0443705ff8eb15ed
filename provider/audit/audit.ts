// The audit log: security events (sign-ins, lockouts, failed client authentication, administrative
// changes) written as one JSON line to the service log, for log shippers and fail2ban, and kept in
// the store for `SSO_AUDIT_RETENTION`, for `sso audit list`. Events never carry a password, token,
// secret or cookie: callers pass names, ids, addresses and reasons only.
import { randomBytes } from 'node:crypto';
import type { AuditEvent, AuditFilter, Store } from '../../adapters/store.ts';
import { describeError, type Logger } from '../log.ts';

/** An event as callers describe it; time, id and expiry are added when it is recorded. */
export type AuditEntry = Omit<AuditEvent, 'id' | 'time' | 'expiresAt' | 'actor'> & {
  /** Who did it; `anonymous` when not given (a sign-in attempt, a client request). */
  actor?: string;
};

/** Told of each recorded event (its type and details). */
export type AuditObserver = (type: string, details: AuditEvent['details']) => void;

/** Writes and reads the audit log. */
export class AuditLog {
  readonly #store: Store;
  readonly #log: Logger;
  readonly #retentionMs: number;
  readonly #observe: AuditObserver | undefined;

  /** `observe` sees every event's type and details as it is recorded (metrics count them). */
  constructor(store: Store, log: Logger, retentionSeconds: number, observe?: AuditObserver) {
    this.#store = store;
    this.#log = log;
    this.#retentionMs = retentionSeconds * 1000;
    this.#observe = observe;
  }

  /**
   * Records `entry` in the log and, unless `keep` is false, the store. Never throws: an event the
   * store cannot take is still in the log, with a warning saying it was not stored. Events that
   * anyone can cause without limit (attempts refused during a lockout) are logged only, so that
   * they cannot fill the store.
   */
  async record(entry: AuditEntry, { keep = true }: { keep?: boolean } = {}): Promise<void> {
    const time = Date.now();
    const event: AuditEvent = {
      id: eventId(time),
      time,
      actor: entry.actor ?? 'anonymous',
      ...withoutUndefined(entry),
      expiresAt: time + this.#retentionMs,
    };
    const { id, time: _time, expiresAt: _expiresAt, type, ...fields } = event;
    this.#log.audit({ event: type, ...fields, eventId: id });
    this.#observe?.(type, entry.details);
    if (!keep) return;
    try {
      await this.#store.audit.append(event);
    } catch (error) {
      this.#log.warn('audit event not stored', { eventId: id, ...describeError(error) });
    }
  }

  /** Stored events matching `filter`, newest first. */
  list(filter: AuditFilter): Promise<AuditEvent[]> {
    return this.#store.audit.list(filter);
  }
}

// Sortable by time as strings: 9 base-36 digits of the time (good until the year 5188), then random.
function eventId(time: number): string {
  return `${time.toString(36).padStart(9, '0')}-${randomBytes(6).toString('hex')}`;
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
