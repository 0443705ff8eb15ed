// What SSO checks when the engine authenticates the client of a back-channel request, on top of the
// engine's own checks. oidc-provider looks the client up through the adapter (Client.find) right
// before it checks the credentials, with the request's context available as Provider.ctx; the
// adapter calls `beforeClientAuthentication` then. Two rules are enforced there:
// - a client authenticates only with its registered method: oidc-provider takes client_secret_basic
//   and client_secret_post as one, so a client registered for one could use the other;
// - a client over its request limit is refused (429) before any work is done.
import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import type { ClientRecord } from '../../adapters/store.ts';
import { BACKCHANNEL_ROUTES, type EndpointLimits } from '../security/endpoint-limits.ts';

/** 429 for a client over its limit: `temporarily_unavailable` with Retry-After. */
export class ClientRateLimited extends errors.OIDCProviderError {
  constructor(retryAfter: number) {
    super(429, 'temporarily_unavailable');
    this.error_description = `too many requests; retry after ${retryAfter} seconds`;
    this.expose = true;
  }
}

/** Whether this lookup of `clientId` is the engine authenticating the request's client. */
export function isAuthenticationLookup(ctx: KoaContextWithOIDC | undefined, clientId: string) {
  const oidc = ctx?.oidc;
  if (!oidc || oidc.client !== undefined || !BACKCHANNEL_ROUTES.has(oidc.route)) return false;
  return claimedClientId(ctx) === clientId;
}

/** The checks to run when the engine authenticates a client (see the adapter). */
export function clientAuthenticationPolicy(limits: EndpointLimits) {
  return async (ctx: KoaContextWithOIDC, client: ClientRecord): Promise<void> => {
    const registered = client.metadata.token_endpoint_auth_method;
    const used = secretMethod(ctx);
    if (used && registered !== used && SECRET_METHODS.has(String(registered))) {
      throw new errors.InvalidClientAuth(
        'the provided authentication mechanism does not match the registered client authentication method',
      );
    }
    const retryAfter = limits.clientRetryAfter(client.clientId);
    if (retryAfter !== undefined) {
      ctx.set('Retry-After', String(retryAfter));
      throw new ClientRateLimited(retryAfter);
    }
  };
}

const SECRET_METHODS = new Set(['client_secret_basic', 'client_secret_post']);

// Which of the two secret methods the request uses, if either.
function secretMethod(ctx: KoaContextWithOIDC): string | undefined {
  if (ctx.oidc.params?.client_secret !== undefined) return 'client_secret_post';
  if (/^basic /i.test(ctx.get('authorization'))) return 'client_secret_basic';
  return undefined;
}

/** The client id the request claims: the `client_id` parameter or the Basic user name. */
export function claimedClientId(ctx: KoaContextWithOIDC): string | undefined {
  const param = ctx.oidc?.params?.client_id;
  if (typeof param === 'string' && param) return param;
  const basic = /^basic ([A-Za-z0-9+/=]+)$/i.exec(ctx.get('authorization'))?.[1];
  if (!basic) return undefined;
  const decoded = Buffer.from(basic, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) return undefined;
  try {
    return decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, '%20'));
  } catch {
    return undefined;
  }
}
