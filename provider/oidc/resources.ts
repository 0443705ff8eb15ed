// Resource indicators (RFC 8707): a client asking for a registered API it is allowed to use gets a
// JWT access token (RFC 9068) with that API as audience and only the scopes the API accepts.
import { errors, type Configuration } from 'oidc-provider';
import type { Store } from '../../adapters/store.ts';
import { SIGNING_ALGORITHMS } from '../../client-sdk/src/contract.ts';
import { storeCall } from './outage.ts';

type ResourceIndicators = NonNullable<NonNullable<Configuration['features']>['resourceIndicators']>;

/** oidc-provider's `features.resourceIndicators` configuration. */
export function resourceIndicators(store: Store): ResourceIndicators {
  return {
    enabled: true,
    // Without a `resource` parameter: what was granted (refresh), or for client credentials the
    // one API the client may use, if it may use exactly one.
    async defaultResource(ctx, client, oneOf) {
      if (oneOf) return oneOf;
      if (ctx.oidc.params?.grant_type === 'client_credentials') {
        const record = await storeCall(() => store.clients.get(client.clientId));
        if (record?.allowedApis.length === 1) return record.allowedApis[0]!;
      }
      return undefined;
    },
    useGrantedResource: () => true,
    async getResourceServerInfo(_ctx, indicator, client) {
      const [api, record] = await storeCall(() =>
        Promise.all([store.apis.get(indicator), store.clients.get(client.clientId)]),
      );
      if (!api || !record?.allowedApis.includes(api.audience)) {
        throw new errors.InvalidTarget(`client may not request tokens for ${indicator}`);
      }
      return {
        audience: api.audience,
        scope: api.scopes.join(' '),
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
