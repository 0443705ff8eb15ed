// A person's sessions at SSO and the grants they gave applications, as administrators see and end
// them. Sessions and grants are the protocol engine's records (oidc-provider's Session and Grant
// payloads); this service reads the few fields it shows and ends them the way the engine's own
// sign-out does: the applications registered for back-channel logout are told, the session goes,
// and with it the grants that do not outlive a sign-out. A session is named by its `uid`, never by
// its id, which is the value of the person's session cookie.
import type { OidcPayload, Store } from '../../adapters/store.ts';
import { NotFoundError } from '../errors.ts';
import { revokeGrant } from '../oidc/revoke-grant.ts';

/** One application a session signed in to. */
export interface SessionClient {
  clientId: string;
  /** The `sid` claim of the application's ID tokens for this session. */
  sid?: string;
  grantId?: string;
  /** The grant outlives sign-out (it was given `offline_access`). */
  persistsLogout: boolean;
}

/** A session at SSO, as shown to administrators. */
export interface SessionInfo {
  /** The session's public name (not its cookie value). */
  uid: string;
  /** When the person signed in, epoch ms. */
  loginAt?: number;
  /** When the session ends, epoch ms. */
  expiresAt?: number;
  /** How the person signed in (RFC 8176 values). */
  amr: string[];
  clients: SessionClient[];
}

/** What a person allowed an application. */
export interface GrantInfo {
  grantId: string;
  clientId: string;
  /** The OpenID Connect scopes granted. */
  scopes: string[];
  /** API audience → scopes granted for it. */
  apis: Record<string, string[]>;
  createdAt?: number;
  expiresAt?: number;
}

/**
 * Tells the application `clientId` over back-channel logout that `accountId`'s session `sid`
 * ended; answers false when it has no back-channel logout URI. Throws when delivery fails.
 */
export type BackchannelNotifier = (
  clientId: string,
  accountId: string,
  sid: string,
) => Promise<boolean>;

/** Who was told of a sign-out, and who could not be reached. */
export interface SignOutResult {
  /** How many sessions ended. */
  sessions: number;
  /** Applications that received a logout token. */
  notified: string[];
  /** Applications whose back-channel logout endpoint did not take it. */
  failed: string[];
}

/** Sessions and grants of accounts. */
export class Sessions {
  readonly #store: Store;
  readonly #notify: BackchannelNotifier;
  readonly #onNotifyError: (clientId: string, error: unknown) => void;

  constructor(
    store: Store,
    notify: BackchannelNotifier,
    onNotifyError: (clientId: string, error: unknown) => void = () => undefined,
  ) {
    this.#store = store;
    this.#notify = notify;
    this.#onNotifyError = onNotifyError;
  }

  /** The account's live sessions, newest sign-in first. */
  async list(accountId: string): Promise<SessionInfo[]> {
    const records = await this.#store.oidc.listByAccountId('Session', accountId);
    return records
      .map(({ payload }) => sessionInfo(payload))
      .filter((session): session is SessionInfo => session !== undefined)
      .sort((a, b) => (b.loginAt ?? 0) - (a.loginAt ?? 0));
  }

  /** The account's live grants, by application. */
  async grants(accountId: string): Promise<GrantInfo[]> {
    const records = await this.#store.oidc.listByAccountId('Grant', accountId);
    return records
      .map(({ id, payload }) => grantInfo(id, payload))
      .sort((a, b) => a.clientId.localeCompare(b.clientId));
  }

  /**
   * Ends one session of the account as a sign-out does: its applications with back-channel
   * logout are told, the grants that do not outlive sign-out are revoked with their tokens, and the
   * session is removed. NotFoundError when the account has no such session.
   */
  async end(accountId: string, uid: string): Promise<SignOutResult> {
    const record = (await this.#store.oidc.listByAccountId('Session', accountId)).find(
      ({ payload }) => payload.uid === uid,
    );
    const session = record && sessionInfo(record.payload);
    if (!record || !session) throw new NotFoundError(`session "${uid}"`);
    await this.#store.oidc.destroy('Session', record.id);
    for (const client of session.clients) {
      if (client.grantId && !client.persistsLogout) await revokeGrant(this.#store, client.grantId);
    }
    return { ...(await this.#tell(accountId, [session])), sessions: 1 };
  }

  /**
   * Revokes one grant of the account with every token issued under it, and takes it off the
   * sessions that refer to it (so the application asks for consent again rather than finding a
   * grant that is gone). NotFoundError when the account has no such grant.
   */
  async revokeGrant(accountId: string, grantId: string): Promise<void> {
    const grant = await this.#store.oidc.find('Grant', grantId);
    if (!grant || grant.accountId !== accountId) throw new NotFoundError(`grant "${grantId}"`);
    await revokeGrant(this.#store, grantId);
    for (const { id, payload } of await this.#store.oidc.listByAccountId('Session', accountId)) {
      const authorizations = payload.authorizations as
        Record<string, { grantId?: unknown }> | undefined;
      if (!authorizations) continue;
      const kept = Object.entries(authorizations).filter(([, entry]) => entry.grantId !== grantId);
      if (kept.length === Object.keys(authorizations).length) continue;
      const expiresIn = secondsLeft(payload.exp);
      if (expiresIn === 0) continue;
      await this.#store.oidc.upsert(
        'Session',
        id,
        { ...payload, authorizations: Object.fromEntries(kept) },
        expiresIn,
      );
    }
  }

  /**
   * Signs the account out everywhere: `end` runs (by default it removes every session, grant,
   * offline ones too, and token of the account), then every application of the sessions that were
   * live before it that registered back-channel logout is told.
   */
  async signOutEverywhere(
    accountId: string,
    end: () => Promise<unknown> = () => this.#store.oidc.destroyByAccountId(accountId),
  ): Promise<SignOutResult> {
    const sessions = await this.list(accountId);
    await end();
    const result = await this.#tell(accountId, sessions);
    return { ...result, sessions: sessions.length };
  }

  // Sends one logout token per application and session; failures are reported, never thrown, so
  // that the sign-out itself always completes.
  async #tell(
    accountId: string,
    sessions: SessionInfo[],
  ): Promise<Omit<SignOutResult, 'sessions'>> {
    const notified = new Set<string>();
    const failed = new Set<string>();
    await Promise.all(
      sessions.flatMap((session) =>
        session.clients
          .filter((client) => client.sid !== undefined)
          .map(async (client) => {
            try {
              if (await this.#notify(client.clientId, accountId, client.sid!)) {
                notified.add(client.clientId);
              }
            } catch (error) {
              failed.add(client.clientId);
              this.#onNotifyError(client.clientId, error);
            }
          }),
      ),
    );
    return { notified: [...notified].sort(), failed: [...failed].sort() };
  }
}

// The fields of an engine Session payload that administrators see.
function sessionInfo(payload: OidcPayload): SessionInfo | undefined {
  if (typeof payload.uid !== 'string') return undefined;
  const authorizations = (payload.authorizations ?? {}) as Record<
    string,
    { sid?: unknown; grantId?: unknown; persistsLogout?: unknown }
  >;
  const info: SessionInfo = {
    uid: payload.uid,
    amr: Array.isArray(payload.amr) ? payload.amr.map(String) : [],
    clients: Object.entries(authorizations).map(([clientId, entry]) => {
      const client: SessionClient = { clientId, persistsLogout: entry.persistsLogout === true };
      if (typeof entry.sid === 'string') client.sid = entry.sid;
      if (typeof entry.grantId === 'string') client.grantId = entry.grantId;
      return client;
    }),
  };
  if (typeof payload.loginTs === 'number') info.loginAt = payload.loginTs * 1000;
  if (typeof payload.exp === 'number') info.expiresAt = payload.exp * 1000;
  return info;
}

// The fields of an engine Grant payload that administrators see.
function grantInfo(grantId: string, payload: OidcPayload): GrantInfo {
  const openid = payload.openid as { scope?: unknown } | undefined;
  const resources = (payload.resources ?? {}) as Record<string, unknown>;
  const info: GrantInfo = {
    grantId,
    clientId: String(payload.clientId ?? ''),
    scopes: typeof openid?.scope === 'string' ? openid.scope.split(' ').filter(Boolean) : [],
    apis: Object.fromEntries(
      Object.entries(resources).map(([audience, scope]) => [
        audience,
        typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [],
      ]),
    ),
  };
  if (typeof payload.iat === 'number') info.createdAt = payload.iat * 1000;
  if (typeof payload.exp === 'number') info.expiresAt = payload.exp * 1000;
  return info;
}

// Whole seconds until `exp` (epoch seconds), 0 when past; undefined `exp` means one day.
function secondsLeft(exp: unknown): number {
  if (typeof exp !== 'number') return 86_400;
  return Math.max(0, Math.floor(exp - Date.now() / 1000));
}
