// Who is calling the admin API: a bearer access token that SSO itself issued for the admin API's
// audience (opaque, so every call checks it in the store: a revoked grant, a disabled or removed
// user or client ends access at once). A machine client's token (client credentials) acts as that
// client; a person's token also needs the person to be an administrator, checked on every call.
// Scopes: admin:read for reading, admin:write for changing (and reading).
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { Accounts } from '../../provider/accounts/accounts.ts';
import type { Actor } from '../../provider/administration/operations.ts';
import { ADMIN_SCOPES, adminApiAudience } from '../../provider/administration/system.ts';
import type { Clients } from '../../provider/clients/clients.ts';
import { clientAddress } from '../../provider/security/client-address.ts';
import { Problem } from './problem.ts';

export interface AuthorizeDeps {
  issuer: string;
  adminGroup: string;
  accounts: Accounts;
  clients: Clients;
  /** The provider serving requests now (it can be swapped when keys change). */
  provider: () => Provider;
}

/** A caller the admin API let in. */
export interface Caller extends Actor {
  /** May change things (admin:write), not only read. */
  canWrite: boolean;
}

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/** The caller of this request; a Problem (401 or 403) when it may not `write` or read. */
export async function authorize(
  ctx: Context,
  deps: AuthorizeDeps,
  write: boolean,
): Promise<Caller> {
  const challenge = (error?: string, description?: string) =>
    [
      'Bearer realm="sso-admin"',
      ...(error ? [`error="${error}"`] : []),
      ...(description ? [`error_description="${description}"`] : []),
    ].join(', ');
  const header = ctx.get('Authorization');
  if (!header) {
    throw new Problem('unauthorized', 'an access token for the admin API is required', {
      headers: { 'WWW-Authenticate': challenge() },
    });
  }
  const refuse = (description: string) =>
    new Problem('unauthorized', description, {
      headers: { 'WWW-Authenticate': challenge('invalid_token', description) },
    });
  const value = BEARER.exec(header)?.[1];
  if (!value) throw refuse('the Authorization header must be "Bearer <token>"');
  const provider = deps.provider();
  const token =
    (await provider.AccessToken.find(value)) ?? (await provider.ClientCredentials.find(value));
  if (!token || token.isExpired) throw refuse('the access token is not valid');
  const audience = adminApiAudience(deps.issuer);
  const audiences = Array.isArray(token.aud) ? token.aud : [token.aud];
  if (!audiences.includes(audience)) throw refuse('the access token is not for the admin API');
  if (token.jkt !== undefined || token['x5t#S256'] !== undefined) {
    throw refuse('sender-constrained (DPoP, mTLS) tokens are not accepted by the admin API');
  }
  const client = token.clientId ? await deps.clients.get(token.clientId) : undefined;
  if (!client || client.disabled)
    throw refuse('the client of the access token is gone or disabled');
  const accountId = 'accountId' in token ? token.accountId : undefined;
  if (accountId) {
    const account = await deps.accounts.get(accountId);
    if (!account || account.disabled)
      throw refuse('the user of the access token is gone or disabled');
    if (!account.groups.includes(deps.adminGroup)) {
      throw new Problem('forbidden', 'only administrators may use the admin API');
    }
  }
  const scopes = new Set(token.scope?.split(' ') ?? []);
  const canWrite = scopes.has(ADMIN_SCOPES.write);
  if (!canWrite && (write || !scopes.has(ADMIN_SCOPES.read))) {
    const needed = write ? ADMIN_SCOPES.write : `${ADMIN_SCOPES.read} or ${ADMIN_SCOPES.write}`;
    throw new Problem('insufficient_scope', `this needs the scope ${needed}`, {
      headers: {
        'WWW-Authenticate': `${challenge('insufficient_scope')}, scope="${write ? ADMIN_SCOPES.write : ADMIN_SCOPES.read}"`,
      },
    });
  }
  return {
    actor: accountId ? `account:${accountId}` : `client:${client.clientId}`,
    ip: clientAddress(ctx),
    canWrite,
  };
}
