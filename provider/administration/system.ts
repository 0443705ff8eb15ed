// SSO's own registrations, made at every start (not read-only): the admin console, a first-party
// client of the issuer that signs administrators in through the code flow, and the admin API, the
// resource whose access tokens the admin API accepts. Both follow the issuer: moved to a new URL,
// SSO updates them at the next start. Administrators cannot change or remove them.
import type { Store } from '../../adapters/store.ts';
import type { Clients } from '../clients/clients.ts';
import type { Config } from '../config.ts';
import { ValidationError } from '../errors.ts';

/** The client id of the admin console. */
export const CONSOLE_CLIENT_ID = 'sso-console';

/** The client id of the account page. */
export const ACCOUNT_CLIENT_ID = 'sso-account';

/** The path of the account page under the issuer. */
export const ACCOUNT_PATH = '/account';

/** The scopes of the admin API: reading, and changing. */
export const ADMIN_SCOPES = { read: 'admin:read', write: 'admin:write' } as const;

/** The path of the admin console and API under the issuer. */
export const ADMIN_PATH = '/admin';

/** The admin API's audience (its resource indicator): `<issuer>/admin/api`. */
export function adminApiAudience(issuer: string): string {
  return `${issuer}${ADMIN_PATH}/api`;
}

/** Where the console receives its authorization responses. */
export function consoleRedirectUri(issuer: string): string {
  return `${issuer}${ADMIN_PATH}/callback`;
}

/** Where the console returns after signing out. */
export function consolePostLogoutUri(issuer: string): string {
  return `${issuer}${ADMIN_PATH}/signed-out`;
}

/** Creates or updates SSO's own clients and the admin API so that they match the issuer. */
export async function ensureSystemRecords(
  store: Store,
  config: Readonly<Config>,
  clients: Clients,
): Promise<void> {
  const audience = adminApiAudience(config.issuer);
  const now = Date.now();
  const api = await store.apis.get(audience);
  if (!api) {
    try {
      await store.apis.create({
        audience,
        name: 'SSO admin API',
        scopes: [ADMIN_SCOPES.read, ADMIN_SCOPES.write],
        accessTokenTtl: config.ttl.apiAccessToken,
        // Checked with SSO on every call: revoking or disabling ends access at once.
        tokenFormat: 'opaque',
        createdAt: now,
        updatedAt: now,
        version: 1,
      });
    } catch (error) {
      if ((error as { name?: string }).name !== 'StoreConflictError') throw error;
    }
  }
  for (const own of ownPageClients(config.issuer)) await ensurePageClient(store, clients, own);
}

/** One of SSO's own first-party clients: its pages sign people in through the code flow. */
export interface PageClient {
  clientId: string;
  name: string;
  redirectUri: string;
  postLogoutUri: string;
}

/** SSO's own page clients for `issuer`: the admin console and the account page. */
export function ownPageClients(issuer: string): PageClient[] {
  return [
    {
      clientId: CONSOLE_CLIENT_ID,
      name: 'SSO admin console',
      redirectUri: consoleRedirectUri(issuer),
      postLogoutUri: consolePostLogoutUri(issuer),
    },
    {
      clientId: ACCOUNT_CLIENT_ID,
      name: 'Your account',
      redirectUri: `${issuer}${ACCOUNT_PATH}/callback`,
      postLogoutUri: `${issuer}${ACCOUNT_PATH}/signed-out`,
    },
  ];
}

// Creates `own`, or points its redirect URIs at the issuer's current URL.
async function ensurePageClient(store: Store, clients: Clients, own: PageClient): Promise<void> {
  const client = await store.clients.get(own.clientId);
  if (!client) {
    try {
      await clients.create({
        clientId: own.clientId,
        name: own.name,
        type: 'confidential',
        grantTypes: ['authorization_code'],
        redirectUris: [own.redirectUri],
        postLogoutRedirectUris: [own.postLogoutUri],
        firstParty: true,
        // SSO's pages are on the issuer's own origin, whatever its scheme.
        allowInsecureRedirectUris: true,
      });
    } catch (error) {
      if ((error as { name?: string }).name !== 'StoreConflictError') throw error;
    }
    return;
  }
  const uris = client.metadata.redirect_uris;
  if (Array.isArray(uris) && uris.length === 1 && uris[0] === own.redirectUri) return;
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await store.clients.get(own.clientId);
    if (!current) return;
    const next = {
      ...current,
      metadata: {
        ...current.metadata,
        redirect_uris: [own.redirectUri],
        post_logout_redirect_uris: [own.postLogoutUri],
      },
      updatedAt: Date.now(),
    };
    if (await store.clients.replace(next)) return;
  }
  throw new ValidationError('clientId', `SSO's client ${own.clientId} kept changing; start again`);
}
