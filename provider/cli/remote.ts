// AdminOperations over a server's admin API (`sso --url …`): each operation is one call (or, for a
// change without an expected version, a read and a conditional write, redone when another writer
// got there first, as the local operations do), and each failure the same typed error the local
// operations throw. The server records the changes in its audit log, with the machine client as
// their actor.
import {
  MAX_PAGE,
  type AdminOperations,
  type AuditQuery,
  type ClientQuery,
  type UserQuery,
} from '../administration/operations.ts';
import type {
  ApiView,
  ClientView,
  ClientWithSecretView,
  EventView,
  GrantView,
  KeyView,
  Page,
  RotationView,
  SessionView,
  ResetSentView,
  SignOutView,
  UnlockView,
  UserView,
} from '../administration/views.ts';
import { NotFoundError } from '../errors.ts';
import { ConcurrentUpdateError, StaleVersionError } from '../versioned-update.ts';
import type { AdminApiClient } from './remote-client.ts';

/** Reads and writes made before a change without an expected version gives up. */
export const REMOTE_ATTEMPTS = 5;

/** The operations, made through `api`. */
export function remoteAdministration(api: AdminApiClient): AdminOperations {
  const get = async <T>(path: string, query?: CallQuery) =>
    (await api.call<T>('GET', path, query ? { query } : {})).body;
  const send = async <T>(method: string, path: string, body?: unknown) =>
    (await api.call<T>(method, path, body === undefined ? {} : { body })).body;
  const update = <T extends { version: number }>(
    path: string,
    what: (current: T) => string,
    changes: object,
    expectedVersion: number | undefined,
  ) => versionedUpdate<T>(api, path, what, changes, expectedVersion);

  const user = (id: string, rest = '') => `/users/${segment(id, `user "${id}"`)}${rest}`;
  const client = (id: string, rest = '') => `/clients/${segment(id, `client "${id}"`)}${rest}`;
  const apiPath = (audience: string) => `/apis/${segment(audience, `API "${audience}"`)}`;

  return {
    users: {
      list: (query: UserQuery = {}) => get<Page<UserView>>('/users', { ...query }),
      get: (id) => get<UserView>(user(id)),
      async findByLogin(login) {
        const key = login.trim().toLowerCase();
        let cursor: string | undefined;
        // The listing's search is a prefix of the username or the email: the exact one is among them.
        while (key) {
          const page = await get<Page<UserView>>('/users', {
            search: key,
            limit: MAX_PAGE,
            cursor,
          });
          const found = page.items.find((each) =>
            key.includes('@') ? each.email === key : each.username === key,
          );
          if (found) return found;
          if (!page.next) break;
          cursor = page.next;
        }
        throw new NotFoundError(`user "${login}"`);
      },
      create: (input) => send<UserView>('POST', '/users', input),
      update: (id, changes, expectedVersion) =>
        update<UserView>(
          user(id),
          (current) => `user "${current.username}"`,
          changes,
          expectedVersion,
        ),
      setPassword: (id, password) => send<UserView>('PUT', user(id, '/password'), { password }),
      remove: (id) => send<UserView>('DELETE', user(id)),
      unlock: (id, address) =>
        send<UnlockView>(
          'POST',
          user(id, '/unlock'),
          address === undefined ? undefined : { address },
        ),
      sessions: (id) => get<SessionView[]>(user(id, '/sessions')),
      endSession: (id, uid) =>
        send<SignOutView>('DELETE', user(id, `/sessions/${segment(uid, `session "${uid}"`)}`)),
      grants: (id) => get<GrantView[]>(user(id, '/grants')),
      async revokeGrant(id, grantId) {
        await send('DELETE', user(id, `/grants/${segment(grantId, `grant "${grantId}"`)}`));
      },
      signOutEverywhere: (id) => send<SignOutView>('DELETE', user(id, '/sessions')),
      resetSecondFactors: (id) => send<UserView>('DELETE', user(id, '/second-factors')),
      sendPasswordReset: (id) => send<ResetSentView>('POST', user(id, '/password-reset')),
    },

    clients: {
      list: (query: ClientQuery = {}) => get<Page<ClientView>>('/clients', { ...query }),
      get: (clientId) => get<ClientView>(client(clientId)),
      create: (input) => send<ClientWithSecretView>('POST', '/clients', input),
      update: (clientId, changes, expectedVersion) =>
        update<ClientView>(
          client(clientId),
          () => `client "${clientId}"`,
          changes,
          expectedVersion,
        ),
      async remove(clientId) {
        await send('DELETE', client(clientId));
      },
      rotateSecret: (clientId) => send<ClientWithSecretView>('POST', client(clientId, '/secret')),
    },

    apis: {
      list: () => get<ApiView[]>('/apis'),
      get: (audience) => get<ApiView>(apiPath(audience)),
      create: (input) => send<ApiView>('POST', '/apis', input),
      update: (audience, changes, expectedVersion) =>
        update<ApiView>(apiPath(audience), () => `API "${audience}"`, changes, expectedVersion),
      remove: (audience) => send<ApiView>('DELETE', apiPath(audience)),
    },

    keys: {
      list: () => get<KeyView[]>('/keys'),
      rotate: (activateAfter) =>
        send<RotationView>(
          'POST',
          '/keys/rotation',
          activateAfter === undefined ? undefined : { activateAfter },
        ),
    },

    audit: {
      list: ({ clientId, since, until, ...query }: AuditQuery = {}) =>
        get<Page<EventView>>('/audit', {
          ...query,
          client: clientId,
          since: since === undefined ? undefined : new Date(since).toISOString(),
          until: until === undefined ? undefined : new Date(until).toISOString(),
        }),
    },
  };
}

type CallQuery = Record<string, string | number | undefined>;

/**
 * A change of the record at `path`: with `expectedVersion`, made against that version only
 * (StaleVersionError otherwise); without, read (its ETag) and written with If-Match, both redone
 * when another writer changed the record in between, so that both changes are kept. `what` names
 * the record in errors, as the local operations do.
 */
async function versionedUpdate<T extends { version: number }>(
  api: AdminApiClient,
  path: string,
  what: (current: T) => string,
  changes: object,
  expectedVersion: number | undefined,
): Promise<T> {
  const body = Object.fromEntries(
    Object.entries(changes).filter(([, value]) => value !== undefined),
  );
  if (Object.keys(body).length === 0) {
    // Nothing to change (the admin API takes no empty change): the record as it is.
    const current = (await api.call<T>('GET', path)).body;
    if (expectedVersion !== undefined && current.version !== expectedVersion) {
      throw new StaleVersionError(what(current), expectedVersion, current.version);
    }
    return current;
  }
  if (expectedVersion !== undefined) {
    return (await api.call<T>('PATCH', path, { body, ifMatch: `"${expectedVersion}"` })).body;
  }
  let current: T | undefined;
  for (let attempt = 1; attempt <= REMOTE_ATTEMPTS; attempt++) {
    const read = await api.call<T>('GET', path);
    current = read.body;
    const ifMatch = read.etag ?? `"${current.version}"`;
    try {
      return (await api.call<T>('PATCH', path, { body, ifMatch })).body;
    } catch (error) {
      if (!(error instanceof StaleVersionError)) throw error;
    }
  }
  const name = what(current!);
  const error = new ConcurrentUpdateError(name);
  error.message = `${name} was changed by others ${REMOTE_ATTEMPTS} times while this change was made; try again`;
  throw error;
}

// `value` as one path segment; an empty or dot segment would name another resource, so none has it.
function segment(value: string, what: string): string {
  if (value === '' || value === '.' || value === '..') throw new NotFoundError(what);
  return encodeURIComponent(value);
}
