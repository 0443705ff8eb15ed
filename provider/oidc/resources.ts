// Resource indicators (RFC 8707): a client asking for a registered API it is allowed to use gets a
// JWT access token (RFC 9068) with that API as audience and only the scopes the API accepts.
import { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { ApiRecord, Store } from '../../adapters/store.ts';
import { SIGNING_ALGORITHMS } from '../../client-sdk/node/src/contract.ts';
import { storeCall } from './outage.ts';

type ResourceIndicators = NonNullable<NonNullable<Configuration['features']>['resourceIndicators']>;

// A client-credentials request at the token endpoint.
function isClientCredentials(ctx: KoaContextWithOIDC): boolean {
  return ctx.oidc.route === 'token' && ctx.oidc.params?.grant_type === 'client_credentials';
}

/**
 * The scopes of a client-credentials token for `api`, as Keycloak and Hydra decide them: without
 * a `scope` parameter, every scope of the API (the client was registered for the API, RFC 6749 §3.3
 * lets the server choose a default); with one, each scope must be the API's, or the request fails
 * with invalid_scope instead of producing a token the API would refuse without saying why. The
 * engine reads the requested scopes from the request's parameters afterwards, so that is where the
 * default goes.
 */
function grantApiScopes(ctx: KoaContextWithOIDC, api: ApiRecord, allowed: string[]): void {
  const params = ctx.oidc.params as { scope?: unknown } | undefined;
  if (!params) return;
  const requested =
    typeof params.scope === 'string' ? params.scope.split(/\s+/).filter(Boolean) : [];
  if (requested.length === 0) {
    params.scope = allowed.join(' ');
    return;
  }
  const unknown = requested.find((scope) => !allowed.includes(scope));
  if (unknown !== undefined) {
    throw new errors.InvalidScope(
      `${api.audience} does not accept the scope "${unknown}"`,
      unknown,
    );
  }
}

/** oidc-provider's `features.resourceIndicators` configuration. */
export function resourceIndicators(store: Store): ResourceIndicators {
  return {
    enabled: true,
    // Without a `resource` parameter: what was granted (refresh), or for client credentials the
    // one API the client may use, if it may use exactly one.
    async defaultResource(ctx, client, oneOf) {
      if (oneOf) return oneOf;
      if (isClientCredentials(ctx)) {
        const record = await storeCall(() => store.clients.get(client.clientId));
        if (record?.allowedApis.length === 1) return record.allowedApis[0]!;
        // Scopes belong to APIs: without one to name them for, they would be dropped silently.
        const scope = ctx.oidc.params?.scope;
        if (typeof scope === 'string' && scope.trim()) {
          throw new errors.InvalidScope(
            'scopes are those of an API: name the API with the resource parameter',
            scope.trim().split(/\s+/)[0] ?? scope,
          );
        }
      }
      return undefined;
    },
    useGrantedResource: () => true,
    async getResourceServerInfo(ctx, indicator, client) {
      const [api, record] = await storeCall(() =>
        Promise.all([store.apis.get(indicator), store.clients.get(client.clientId)]),
      );
      if (!api || !record?.allowedApis.includes(api.audience)) {
        throw new errors.InvalidTarget(`client may not request tokens for ${indicator}`);
      }
      // The client's own restriction of the API's scopes, if it has one (ClientRecord.apiScopes).
      const restricted = record.apiScopes?.[api.audience];
      const allowed = restricted
        ? api.scopes.filter((scope) => restricted.includes(scope))
        : api.scopes;
      if (isClientCredentials(ctx)) grantApiScopes(ctx, api, allowed);
      return {
        audience: api.audience,
        scope: allowed.join(' '),
        accessTokenTTL: api.accessTokenTtl,
        ...(api.tokenFormat === 'opaque'
          ? { accessTokenFormat: 'opaque' as const }
          : {
              accessTokenFormat: 'jwt' as const,
              jwt: { sign: { alg: api.signingAlg ?? SIGNING_ALGORITHMS[0] } },
            }),
      };
    },
  };
}
