// OidcRecords on one SQLite table keyed by (model, id), with side columns for every lookup.
import type { OidcModel, OidcPayload, OidcRecords } from '../store.ts';
import type { Database } from './database.ts';

interface Row {
  payload: string;
  consumed_at: number | null;
}

const LIVE = '(expires_at IS NULL OR expires_at > ?)';

const INSERT = `INSERT INTO oidc_records
  (model, id, payload, grant_id, uid, user_code, account_id, client_id, expires_at, consumed_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)`;
const REPLACE = `ON CONFLICT (model, id) DO UPDATE SET payload = excluded.payload,
  grant_id = excluded.grant_id, uid = excluded.uid, user_code = excluded.user_code,
  account_id = excluded.account_id, client_id = excluded.client_id,
  expires_at = excluded.expires_at, consumed_at = NULL`;

/** The embedded backend's oidc-provider records. */
export class SqliteOidcRecords implements OidcRecords {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async upsert(
    model: OidcModel,
    id: string,
    payload: OidcPayload,
    expiresIn?: number,
  ): Promise<void> {
    const row = toRow(payload, expiresIn);
    await this.#db.write(`${INSERT} ${REPLACE}`, [model, id, ...row]);
  }

  async insertIfAbsent(
    model: OidcModel,
    id: string,
    payload: OidcPayload,
    expiresIn?: number,
  ): Promise<boolean> {
    const row = toRow(payload, expiresIn);
    const changed = await this.#db.write(
      `${INSERT} ${REPLACE}
       WHERE oidc_records.expires_at IS NOT NULL AND oidc_records.expires_at <= ?`,
      [model, id, ...row, Date.now()],
    );
    return changed === 1;
  }

  async find(model: OidcModel, id: string): Promise<OidcPayload | undefined> {
    return this.#one(`model = ? AND id = ?`, model, id);
  }

  async findByUid(model: OidcModel, uid: string): Promise<OidcPayload | undefined> {
    return this.#one(`model = ? AND uid = ?`, model, uid);
  }

  async findByUserCode(model: OidcModel, userCode: string): Promise<OidcPayload | undefined> {
    return this.#one(`model = ? AND user_code = ?`, model, userCode);
  }

  async consume(model: OidcModel, id: string): Promise<boolean> {
    const now = Date.now();
    const changed = await this.#db.write(
      `UPDATE oidc_records SET consumed_at = ?
       WHERE model = ? AND id = ? AND consumed_at IS NULL AND ${LIVE}`,
      [now, model, id, now],
    );
    return changed === 1;
  }

  async listByAccountId(
    model: OidcModel,
    accountId: string,
  ): Promise<{ id: string; payload: OidcPayload }[]> {
    const rows = await this.#db.all<Row & { id: string }>(
      `SELECT id, payload, consumed_at FROM oidc_records
       WHERE account_id = ? AND model = ? AND ${LIVE}`,
      accountId,
      model,
      Date.now(),
    );
    return rows.map((row) => ({ id: row.id, payload: fromRow(row) }));
  }

  async destroy(model: OidcModel, id: string): Promise<void> {
    await this.#db.write(`DELETE FROM oidc_records WHERE model = ? AND id = ?`, [model, id]);
  }

  async revokeByGrantId(model: OidcModel, grantId: string): Promise<number> {
    return this.#db.run(
      `DELETE FROM oidc_records WHERE model = ? AND grant_id = ?`,
      model,
      grantId,
    );
  }

  async destroyByAccountId(accountId: string): Promise<number> {
    return this.#db.run(`DELETE FROM oidc_records WHERE account_id = ?`, accountId);
  }

  async destroyByClientId(clientId: string): Promise<number> {
    return this.#db.run(`DELETE FROM oidc_records WHERE client_id = ?`, clientId);
  }

  /** Removes expired records; answers how many. */
  sweepExpired(): Promise<number> {
    return this.#db.run(
      `DELETE FROM oidc_records WHERE expires_at IS NOT NULL AND expires_at <= ?`,
      Date.now(),
    );
  }

  async #one(where: string, ...params: string[]): Promise<OidcPayload | undefined> {
    const row = await this.#db.get<Row>(
      `SELECT payload, consumed_at FROM oidc_records WHERE ${where} AND ${LIVE} LIMIT 1`,
      ...params,
      Date.now(),
    );
    return row ? fromRow(row) : undefined;
  }
}

function toRow(payload: OidcPayload, expiresIn: number | undefined) {
  return [
    JSON.stringify(payload),
    stringOrNull(payload.grantId),
    stringOrNull(payload.uid),
    stringOrNull(payload.userCode),
    stringOrNull(payload.accountId),
    stringOrNull(payload.clientId),
    expiresIn === undefined ? null : Date.now() + expiresIn * 1000,
  ] as const;
}

function fromRow(row: Row): OidcPayload {
  const payload = JSON.parse(row.payload) as OidcPayload;
  if (row.consumed_at !== null) payload.consumed = Math.floor(row.consumed_at / 1000);
  return payload;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
