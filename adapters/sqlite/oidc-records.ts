// OidcRecords on one SQLite table keyed by (model, id), with side columns for every lookup.
import type { OidcModel, OidcPayload, OidcRecords } from '../store.ts';
import type { Database } from './database.ts';

interface Row {
  payload: string;
  consumed_at: number | null;
  expires_at: number | null;
}

/** How many ids the table's answers are kept in memory for, at most (see find). */
export const RECENT_IDS = 4096;

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
  // What the table answered lately for each id, by model (null: no live record), oldest id first.
  readonly #recent = new Map<string, Map<OidcModel, Row | null>>();
  // Whether #recent was checked against other connections' commits in the current synchronous run.
  #checkedThisRun = false;
  // Moves whenever anything kept is dropped: a query's answer is kept only if it did not move while
  // the query was answered (what it read may be older than the drop).
  #drops = 0;

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
    await this.#forgetting(id, this.#db.write(`${INSERT} ${REPLACE}`, [model, id, ...row]));
  }

  async insertIfAbsent(
    model: OidcModel,
    id: string,
    payload: OidcPayload,
    expiresIn?: number,
  ): Promise<boolean> {
    const row = toRow(payload, expiresIn);
    const changed = await this.#forgetting(
      id,
      this.#db.write(
        `${INSERT} ${REPLACE}
         WHERE oidc_records.expires_at IS NOT NULL AND oidc_records.expires_at <= ?`,
        [model, id, ...row, Date.now()],
      ),
    );
    return changed === 1;
  }

  /**
   * Finds of one id under several models in the same synchronous run (the engine looks a presented
   * token up as an access token, a client-credentials token and a refresh token at once) are
   * answered by one query, in a microtask.
   *
   * What that query answered (a record, or none) is kept for the id, for up to RECENT_IDS ids, and
   * answers the next finds without a query: a resource server introspects the same token again and
   * again. It is kept only while it is certain to be current. This class makes every change to the
   * table on this connection, and drops what it kept of an id it changes (of every id for a change
   * by grant, account or client); a change made on any other connection (the CLI, another process
   * on the same file) moves SQLite's data_version, which is read once per synchronous run that
   * answers from memory, and drops everything kept. Expiry is checked against the kept record's
   * expiry time. Each caller still gets its own copy, parsed from the stored text.
   */
  find(model: OidcModel, id: string): Promise<OidcPayload | undefined> {
    const known = this.#known(model, id);
    if (known !== undefined) return Promise.resolve(known ? fromRow(known) : undefined);
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
    const changed = await this.#forgetting(
      id,
      this.#db.write(
        `UPDATE oidc_records SET consumed_at = ?
         WHERE model = ? AND id = ? AND consumed_at IS NULL AND ${LIVE}`,
        [now, model, id, now],
      ),
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
    await this.#forgetting(
      id,
      this.#db.write(`DELETE FROM oidc_records WHERE model = ? AND id = ?`, [model, id]),
    );
  }

  async revokeByGrantId(model: OidcModel, grantId: string): Promise<number> {
    return this.#forgettingAll(
      this.#db.run(`DELETE FROM oidc_records WHERE model = ? AND grant_id = ?`, model, grantId),
    );
  }

  async destroyByAccountId(accountId: string): Promise<number> {
    return this.#forgettingAll(
      this.#db.run(`DELETE FROM oidc_records WHERE account_id = ?`, accountId),
    );
  }

  async destroyByClientId(clientId: string): Promise<number> {
    return this.#forgettingAll(
      this.#db.run(`DELETE FROM oidc_records WHERE client_id = ?`, clientId),
    );
  }

  /** Removes expired records; answers how many. */
  sweepExpired(): Promise<number> {
    return this.#forgettingAll(
      this.#db.run(
        `DELETE FROM oidc_records WHERE expires_at IS NOT NULL AND expires_at <= ?`,
        Date.now(),
      ),
    );
  }

  // What was kept for `model` and `id`: a record, null for none, undefined when nothing is kept.
  #known(model: OidcModel, id: string): Row | null | undefined {
    const row = this.#recent.get(id)?.get(model);
    if (row === undefined) return undefined;
    if (!this.#checkedThisRun) {
      this.#checkedThisRun = true;
      void Promise.resolve().then(() => {
        this.#checkedThisRun = false;
      });
      if (this.#db.changedElsewhere()) {
        this.#forgetAll();
        return undefined;
      }
    }
    if (row && row.expires_at !== null && row.expires_at <= Date.now()) return null;
    return row;
  }

  #remember(model: OidcModel, id: string, row: Row | null): void {
    let byModel = this.#recent.get(id);
    if (!byModel) {
      if (this.#recent.size >= RECENT_IDS) this.#recent.delete(this.#recent.keys().next().value!);
      byModel = new Map();
      this.#recent.set(id, byModel);
    }
    byModel.set(model, row);
  }

  // Drops what was kept of `id` before the change is made (no find answers from memory while it
  // waits for its commit) and again once it is made (a find may have read the table meanwhile).
  async #forgetting<T>(id: string, change: Promise<T>): Promise<T> {
    this.#forget(id);
    try {
      return await change;
    } finally {
      this.#forget(id);
    }
  }

  async #forgettingAll<T>(change: Promise<T>): Promise<T> {
    this.#forgetAll();
    try {
      return await change;
    } finally {
      this.#forgetAll();
    }
  }

  #forget(id: string): void {
    this.#drops++;
    this.#recent.delete(id);
  }

  #forgetAll(): void {
    this.#drops++;
    this.#recent.clear();
  }

  #answerFinds(): void {
    const finds = this.#finds!;
    this.#finds = undefined;
    const drops = this.#drops;
    const remember = (model: OidcModel, id: string, row: Row | undefined) => {
      if (drops === this.#drops) this.#remember(model, id, row ?? null);
    };
    for (const [id, waiting] of finds) {
      if (waiting.length === 1) {
        const [only] = waiting as [PendingFind];
        this.#row(`model = ? AND id = ?`, only.model, id).then((row) => {
          remember(only.model, id, row);
          only.resolve(row ? fromRow(row) : undefined);
        }, only.reject);
        continue;
      }
      const models = [...new Set(waiting.map((find) => find.model))];
      this.#db
        .all<Row & { model: OidcModel }>(
          `SELECT model, payload, consumed_at, expires_at FROM oidc_records
           WHERE id = ? AND model IN (${models.map(() => '?').join(', ')}) AND ${LIVE}`,
          id,
          ...models,
          Date.now(),
        )
        .then(
          (rows) => {
            const found = new Map(rows.map((row) => [row.model, row]));
            for (const model of models) remember(model, id, found.get(model));
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
    const row = await this.#row(where, ...params);
    return row ? fromRow(row) : undefined;
  }

  #row(where: string, ...params: string[]): Promise<Row | undefined> {
    return this.#db.get<Row>(
      `SELECT payload, consumed_at, expires_at FROM oidc_records WHERE ${where} AND ${LIVE} LIMIT 1`,
      ...params,
      Date.now(),
    );
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
