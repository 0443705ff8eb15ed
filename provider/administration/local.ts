// AdminOperations in process, over the domain services: what the admin API, the console and the
// local CLI run. Every change is recorded in the audit log with its actor and address.
import type { Account } from '../../adapters/store.ts';
import type { Accounts } from '../accounts/accounts.ts';
import type { Apis } from '../apis/apis.ts';
import type { AuditEntry, AuditLog } from '../audit/audit.ts';
import type { Clients } from '../clients/clients.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import type { KeyManagement } from '../keys/key-management.ts';
import type { SecondFactors } from '../factors/second-factors.ts';
import type { PasswordReset } from '../people/password-reset.ts';
import { addressKey } from '../security/client-address.ts';
import type { SignInGuard } from '../security/sign-in-guard.ts';
import type { Sessions } from '../sessions/sessions.ts';
import { StaleVersionError } from '../versioned-update.ts';
import {
  DEFAULT_PAGE,
  MAX_PAGE,
  type Actor,
  type AdminOperations,
  type AuditQuery,
  type ClientQuery,
  type UserQuery,
} from './operations.ts';
import {
  apiView,
  clientView,
  eventView,
  grantView,
  keyView,
  sessionView,
  userView,
  type Page,
} from './views.ts';

/** The largest page of audit events. */
export const MAX_AUDIT_PAGE = 1000;

/** The domain services the operations run on. */
export interface AdministrationServices {
  accounts: Accounts;
  clients: Clients;
  apis: Apis;
  keys: KeyManagement;
  audit: AuditLog;
  guard: SignInGuard;
  sessions: Sessions;
  factors: SecondFactors;
  passwordReset: PasswordReset;
}

/** The operations, with `by` recorded as the actor of every change. */
export function localAdministration(services: AdministrationServices, by: Actor): AdminOperations {
  const { accounts, clients, apis, keys, audit, guard, sessions, factors, passwordReset } =
    services;
  const record = (entry: Omit<AuditEntry, 'actor' | 'ip'>) =>
    audit.record({ ...entry, actor: by.actor, ...(by.ip !== undefined ? { ip: by.ip } : {}) });
  const account = async (id: string): Promise<Account> => {
    const found = await accounts.get(id);
    if (!found) throw new NotFoundError(`user "${id}"`);
    return found;
  };
  const who = (found: Account) => ({ username: found.username, accountId: found.id });
  const clientNames = async (): Promise<Map<string, string>> =>
    new Map(
      (await clients.list()).map((client) => [
        client.clientId,
        typeof client.metadata.client_name === 'string'
          ? client.metadata.client_name
          : client.clientId,
      ]),
    );
  const client = async (clientId: string) => {
    const found = await clients.get(clientId);
    if (!found) throw new NotFoundError(`client "${clientId}"`);
    return found;
  };
  const api = async (audience: string) => {
    const found = await apis.get(audience);
    if (!found) throw new NotFoundError(`API "${audience}"`);
    return found;
  };
  const view = (found: Parameters<typeof clientView>[0]) =>
    clientView(found, clients.isSystem(found.clientId));

  return {
    users: {
      async list(query: UserQuery = {}) {
        const limit = pageSize(query.limit, MAX_PAGE);
        const found = await accounts.page({
          limit: limit + 1,
          ...(query.search !== undefined ? { search: query.search } : {}),
          ...(query.group !== undefined ? { group: query.group } : {}),
          ...(query.cursor !== undefined ? { after: decodeCursor(query.cursor) } : {}),
        });
        return paged(found.map(userView), limit, (last) => last.username);
      },
      async get(id) {
        return userView(await account(id));
      },
      async findByLogin(login) {
        const found = await accounts.findByLogin(login);
        if (!found) throw new NotFoundError(`user "${login}"`);
        return userView(found);
      },
      async create({ password, ...input }) {
        const created = await accounts.create(input, password);
        await record({ type: 'user.create', ...who(created) });
        return userView(created);
      },
      async update(id, { disabled, ...changes }, expectedVersion) {
        let current = await account(id);
        const profileChanged = Object.keys(changes).length > 0;
        const disabledChanged = disabled !== undefined && disabled !== current.disabled;
        if (!profileChanged && !disabledChanged) {
          if (expectedVersion !== undefined && expectedVersion !== current.version) {
            throw new StaleVersionError(`user "${id}"`, expectedVersion, current.version);
          }
          return userView(current);
        }
        if (profileChanged) {
          current = await accounts.update(current.username, changes, expectedVersion);
          await record({
            type: 'user.update',
            ...who(current),
            details: { fields: Object.keys(changes).sort().join(' ') },
          });
        }
        if (disabledChanged) {
          const version = profileChanged ? current.version : expectedVersion;
          const username = current.username;
          if (disabled) {
            // The sessions are listed first, so that their applications can be told afterwards.
            let saved: Account | undefined;
            const result = await sessions.signOutEverywhere(id, async () => {
              saved = await accounts.setDisabled(username, true, version);
            });
            current = saved!;
            await record({ type: 'user.disable', ...who(current), details: signedOut(result) });
          } else {
            current = await accounts.setDisabled(username, false, version);
            await record({ type: 'user.enable', ...who(current) });
          }
        }
        return userView(current);
      },
      async setPassword(id, password) {
        const updated = await accounts.setPassword((await account(id)).username, password);
        await record({ type: 'password.change', ...who(updated) });
        return userView(updated);
      },
      async sendPasswordReset(id) {
        const found = await account(id);
        const sent = await passwordReset.sendByAdministrator(found);
        await record({ type: 'password.reset.send', ...who(found) });
        return {
          username: found.username,
          email: sent.email,
          expiresAt: new Date(sent.expiresAt).toISOString(),
        };
      },
      async remove(id) {
        const found = await account(id);
        let removed: Account | undefined;
        const result = await sessions.signOutEverywhere(id, async () => {
          removed = await accounts.remove(found.username);
        });
        await record({ type: 'user.remove', ...who(removed!), details: signedOut(result) });
        return userView(removed!);
      },
      async unlock(id, address) {
        const found = await account(id);
        const typed = [found.username, ...(found.email ? [found.email] : [])];
        const lifted = (await guard.unlockAccount(found.id, typed)) > 0;
        const addressLifted =
          address !== undefined && (await guard.unlockAddress(addressKey(address)));
        await record({
          type: 'login.unlock',
          ...who(found),
          details: {
            lifted,
            addressLifted,
            ...(address !== undefined ? { address } : {}),
          },
        });
        return { username: found.username, lifted, addressLifted };
      },
      async sessions(id) {
        const found = await account(id);
        const names = await clientNames();
        return (await sessions.list(found.id)).map((session) => sessionView(session, names));
      },
      async endSession(id, uid) {
        const found = await account(id);
        const result = await sessions.end(found.id, uid);
        await record({
          type: 'user.session.end',
          ...who(found),
          details: { session: uid, ...signedOut(result) },
        });
        return result;
      },
      async grants(id) {
        const found = await account(id);
        const names = await clientNames();
        return (await sessions.grants(found.id)).map((grant) => grantView(grant, names));
      },
      async revokeGrant(id, grantId) {
        const found = await account(id);
        const grant = (await sessions.grants(found.id)).find((each) => each.grantId === grantId);
        await sessions.revokeGrant(found.id, grantId);
        await record({
          type: 'user.grant.revoke',
          ...who(found),
          ...(grant ? { clientId: grant.clientId } : {}),
          details: { grant: grantId },
        });
      },
      async signOutEverywhere(id) {
        const found = await account(id);
        const result = await sessions.signOutEverywhere(found.id);
        await record({ type: 'user.signout', ...who(found), details: signedOut(result) });
        return result;
      },
      async resetSecondFactors(id) {
        const found = await account(id);
        await factors.removeAll(found.id);
        await record({ type: 'user.factors.reset', ...who(found) });
        return userView(await account(id));
      },
    },

    clients: {
      async list(query: ClientQuery = {}) {
        const limit = pageSize(query.limit, MAX_PAGE);
        const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
        const search = query.search?.trim().toLowerCase();
        const matching = (await clients.list()).filter(
          (each) =>
            (after === undefined || each.clientId > after) &&
            (!search ||
              each.clientId.toLowerCase().includes(search) ||
              (typeof each.metadata.client_name === 'string' &&
                each.metadata.client_name.toLowerCase().includes(search))),
        );
        return paged(matching.slice(0, limit + 1).map(view), limit, (last) => last.clientId);
      },
      async get(clientId) {
        return view(await client(clientId));
      },
      async create(input) {
        const { client: created, secret } = await clients.create(input);
        await record({ type: 'client.create', clientId: created.clientId });
        return { ...view(created), ...(secret !== undefined ? { clientSecret: secret } : {}) };
      },
      async update(clientId, { disabled, ...changes }, expectedVersion) {
        let current = await client(clientId);
        const registrationChanged = Object.keys(changes).length > 0;
        const disabledChanged = disabled !== undefined && disabled !== (current.disabled ?? false);
        if (!registrationChanged && !disabledChanged) {
          if (expectedVersion !== undefined && expectedVersion !== current.version) {
            throw new StaleVersionError(`client "${clientId}"`, expectedVersion, current.version);
          }
          return view(current);
        }
        if (registrationChanged) {
          current = await clients.update(clientId, changes, expectedVersion);
          await record({
            type: 'client.update',
            clientId,
            details: { fields: Object.keys(changes).sort().join(' ') },
          });
        }
        if (disabledChanged) {
          const version = registrationChanged ? current.version : expectedVersion;
          current = await clients.setDisabled(clientId, disabled, version);
          await record({ type: disabled ? 'client.disable' : 'client.enable', clientId });
        }
        return view(current);
      },
      async remove(clientId) {
        await clients.remove(clientId);
        await record({ type: 'client.remove', clientId });
      },
      async rotateSecret(clientId) {
        const { client: rotated, secret } = await clients.rotateSecret(clientId);
        await record({ type: 'client.secret.rotate', clientId });
        return { ...view(rotated), clientSecret: secret! };
      },
    },

    apis: {
      async list() {
        return (await apis.list()).map((each) => apiView(each, apis.isSystem(each.audience)));
      },
      async get(audience) {
        const found = await api(audience);
        const usedBy = (await clients.usingApi(found.audience)).map((each) => each.clientId);
        return apiView(found, apis.isSystem(found.audience), usedBy);
      },
      async create(input) {
        const created = await apis.create(input);
        await record({ type: 'api.create', details: { audience: created.audience } });
        return apiView(created, false);
      },
      async update(audience, changes, expectedVersion) {
        if (Object.keys(changes).length === 0) {
          const current = await api(audience);
          if (expectedVersion !== undefined && expectedVersion !== current.version) {
            throw new StaleVersionError(`API "${audience}"`, expectedVersion, current.version);
          }
          return apiView(current, apis.isSystem(audience));
        }
        const updated = await apis.update(audience, changes, expectedVersion);
        await record({
          type: 'api.update',
          details: { audience, fields: Object.keys(changes).sort().join(' ') },
        });
        return apiView(updated, false);
      },
      async remove(audience) {
        const found = await api(audience);
        const usedBy = (await clients.usingApi(found.audience)).map((each) => each.clientId);
        await apis.remove(audience);
        await record({ type: 'api.remove', details: { audience, clients: usedBy.length } });
        return apiView(found, false, usedBy);
      },
    },

    keys: {
      async list() {
        const now = Date.now();
        return [...(await keys.list())]
          .sort(
            (a, b) =>
              a.activatesAt - b.activatesAt || String(a.jwk.alg).localeCompare(String(b.jwk.alg)),
          )
          .map((key) => keyView(key, now));
      },
      async rotate(activateAfter) {
        const rotation = await keys.rotate(activateAfter);
        const seconds = Math.round((rotation.activatesAt - Date.now()) / 1000);
        const after = activateAfter ?? Math.max(0, seconds);
        await record({
          type: 'keys.rotate',
          details: { added: rotation.added.map((key) => key.kid).join(' '), activateAfter: after },
        });
        const now = Date.now();
        return {
          activateAfter: after,
          activatesAt: new Date(rotation.activatesAt).toISOString(),
          maxTokenLifetime: rotation.maxTokenLifetime,
          added: rotation.added.map((key) => key.kid),
          retiring: rotation.retiring.map((key) => key.kid),
          keys: rotation.keys.map((key) => keyView(key, now)),
        };
      },
    },

    audit: {
      async list(query: AuditQuery = {}) {
        const limit = pageSize(query.limit, MAX_AUDIT_PAGE);
        const { cursor, limit: _limit, ...filter } = query;
        const events = await audit.list({
          ...withoutUndefined(filter),
          ...(filter.user !== undefined ? { user: filter.user.trim().toLowerCase() } : {}),
          ...(cursor !== undefined ? { before: decodeEventCursor(cursor) } : {}),
          limit: limit + 1,
        });
        const page = paged(events, limit, (last) => `${last.time}.${last.id}`);
        return { ...page, items: page.items.map(eventView) };
      },
    },
  };
}

// How many a listing answers: `asked` within 1..max, DEFAULT_PAGE when not asked.
function pageSize(asked: number | undefined, max: number): number {
  if (asked === undefined) return Math.min(DEFAULT_PAGE, max);
  if (!Number.isInteger(asked) || asked < 1 || asked > max) {
    throw new ValidationError('limit', `limit must be a whole number from 1 to ${max}`);
  }
  return asked;
}

// `found` holds up to limit + 1 items: the extra one says there is a next page.
function paged<T>(found: T[], limit: number, keyOf: (last: T) => string): Page<T> {
  if (found.length <= limit) return { items: found };
  const items = found.slice(0, limit);
  return { items, next: encodeCursor(keyOf(items[items.length - 1]!)) };
}

function encodeCursor(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!cursor || encodeCursor(key) !== cursor) {
    throw new ValidationError('cursor', 'cursor is not one this listing gave');
  }
  return key;
}

function decodeEventCursor(cursor: string): { time: number; id: string } {
  const match = /^(\d+)\.(.+)$/.exec(decodeCursor(cursor));
  if (!match) throw new ValidationError('cursor', 'cursor is not one this listing gave');
  return { time: Number(match[1]), id: match[2]! };
}

// The audit details of a sign-out.
function signedOut(result: { sessions: number; notified: string[]; failed: string[] }) {
  return {
    sessions: result.sessions,
    notified: result.notified.join(' '),
    ...(result.failed.length ? { failed: result.failed.join(' ') } : {}),
  };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, member]) => member !== undefined),
  ) as Partial<T>;
}
