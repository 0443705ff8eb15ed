// Schema of the embedded store, as ordered steps. A step never changes once released; a change to
// the schema is a new step at the end. `migrate()` applies the steps not yet recorded.

export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE oidc_records (
    model TEXT NOT NULL,
    id TEXT NOT NULL,
    payload TEXT NOT NULL,
    grant_id TEXT,
    uid TEXT,
    user_code TEXT,
    account_id TEXT,
    expires_at INTEGER,
    consumed_at INTEGER,
    PRIMARY KEY (model, id)
  ) WITHOUT ROWID;
  CREATE INDEX oidc_records_grant ON oidc_records (model, grant_id) WHERE grant_id IS NOT NULL;
  CREATE INDEX oidc_records_uid ON oidc_records (model, uid) WHERE uid IS NOT NULL;
  CREATE INDEX oidc_records_user_code ON oidc_records (model, user_code) WHERE user_code IS NOT NULL;
  CREATE INDEX oidc_records_account ON oidc_records (account_id) WHERE account_id IS NOT NULL;
  CREATE INDEX oidc_records_expiry ON oidc_records (expires_at) WHERE expires_at IS NOT NULL;

  CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    email TEXT UNIQUE,
    data TEXT NOT NULL
  );
  CREATE TABLE clients (client_id TEXT PRIMARY KEY, data TEXT NOT NULL);
  CREATE TABLE apis (audience TEXT PRIMARY KEY, data TEXT NOT NULL);
  CREATE TABLE key_sets (kind TEXT PRIMARY KEY, version INTEGER NOT NULL, keys TEXT NOT NULL);
  `,
  `
  ALTER TABLE oidc_records ADD COLUMN client_id TEXT;
  UPDATE oidc_records SET client_id = json_extract(payload, '$.clientId')
    WHERE json_type(payload, '$.clientId') = 'text';
  CREATE INDEX oidc_records_client ON oidc_records (client_id) WHERE client_id IS NOT NULL;

  CREATE TABLE counters (
    key TEXT PRIMARY KEY,
    points INTEGER NOT NULL,
    expires_at INTEGER
  ) WITHOUT ROWID;
  CREATE INDEX counters_expiry ON counters (expires_at) WHERE expires_at IS NOT NULL;

  CREATE TABLE audit_events (
    id TEXT PRIMARY KEY,
    time INTEGER NOT NULL,
    type TEXT NOT NULL,
    username TEXT,
    account_id TEXT,
    client_id TEXT,
    ip TEXT,
    data TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX audit_events_time ON audit_events (time);
  CREATE INDEX audit_events_expiry ON audit_events (expires_at);
  `,
  // oidc_records as a rowid table: a new row goes at the end of the table and of the client and
  // expiry indexes, so a group commit of many new tokens dirties a few pages. Keyed by (model, id)
  // without a rowid, each row went to the random place of its id in the table and in every index
  // that ends with the key, a page written per index per token.
  `
  CREATE TABLE oidc_records_by_rowid (
    model TEXT NOT NULL,
    id TEXT NOT NULL,
    payload TEXT NOT NULL,
    grant_id TEXT,
    uid TEXT,
    user_code TEXT,
    account_id TEXT,
    expires_at INTEGER,
    consumed_at INTEGER,
    client_id TEXT,
    UNIQUE (model, id)
  );
  INSERT INTO oidc_records_by_rowid
    (model, id, payload, grant_id, uid, user_code, account_id, expires_at, consumed_at, client_id)
    SELECT model, id, payload, grant_id, uid, user_code, account_id, expires_at, consumed_at,
      client_id FROM oidc_records ORDER BY expires_at;
  DROP TABLE oidc_records;
  ALTER TABLE oidc_records_by_rowid RENAME TO oidc_records;
  CREATE INDEX oidc_records_grant ON oidc_records (model, grant_id) WHERE grant_id IS NOT NULL;
  CREATE INDEX oidc_records_uid ON oidc_records (model, uid) WHERE uid IS NOT NULL;
  CREATE INDEX oidc_records_user_code ON oidc_records (model, user_code) WHERE user_code IS NOT NULL;
  CREATE INDEX oidc_records_account ON oidc_records (account_id) WHERE account_id IS NOT NULL;
  CREATE INDEX oidc_records_expiry ON oidc_records (expires_at) WHERE expires_at IS NOT NULL;
  CREATE INDEX oidc_records_client ON oidc_records (client_id) WHERE client_id IS NOT NULL;
  `,
];
