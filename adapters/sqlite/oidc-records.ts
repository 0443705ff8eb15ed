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

interface PendingFind {
  model: OidcModel;
  resolve: (payload: OidcPayload | undefined) => void;
  reject: (error: unknown) => void;
}

/** The embedded backend's oidc-provider records. */
export class SqliteOidcRecords implements OidcRecords {
  readonly #db: Database;
  // Finds made during the current synchronous run, by id, answered together (see find).
  #finds: Map<string, PendingFind[]> | undefined;

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

  /**
   * Finds of one id under several models in the same synchronous run (the engine looks a presented
   * token up as an access token, a client-credentials token and a refresh token at once) are
   * answered by one query, in a microtask.
   */
  find(model: OidcModel, id: string): Promise<OidcPayload | undefined> {
    return new Promise((resolve, reject) => {
      if (!this.#finds) {
        this.#finds = new Map();
        queueMicrotask(() => this.#answerFinds());
      }
      const waiting = this.#finds.get(id);
      if (waiting) waiting.push({ model, resolve, reject });
      else this.#finds.set(id, [{ model, resolve, reject }]);
    });
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

  #answerFinds(): void {
    const finds = this.#finds!;
    this.#finds = undefined;
    for (const [id, waiting] of finds) {
      if (waiting.length === 1) {
        const [only] = waiting as [PendingFind];
        this.#one(`model = ? AND id = ?`, only.model, id).then(only.resolve, only.reject);
        continue;
      }
      const models = [...new Set(waiting.map((find) => find.model))];
      this.#db
        .all<Row & { model: OidcModel }>(
          `SELECT model, payload, consumed_at FROM oidc_records
           WHERE id = ? AND model IN (${models.map(() => '?').join(', ')}) AND ${LIVE}`,
          id,
          ...models,
          Date.now(),
        )
        .then(
          (rows) => {
            const found = new Map(rows.map((row) => [row.model, row]));
            for (const find of waiting) {
              const row = found.get(find.model);
              // Each caller gets its own copy: the engine may change what it is given.
              find.resolve(row ? fromRow(row) : undefined);
            }
          },
          (error: unknown) => {
            for (const find of waiting) find.reject(error);
          },
        );
    }
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
