// Which protocol features are on, and the policies they need. Development-only features stay off.
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import type { Store } from '../../adapters/store.ts';
import { introspectionPolicy } from './introspection-policy.ts';
import { devicePages, logoutPages } from './pages.ts';
import { resourceIndicators } from './resources.ts';

/** oidc-provider's `features` configuration. */
export function featuresConfiguration(
  store: Store,
  onWrongDeviceCode: (ctx: KoaContextWithOIDC) => Promise<void>,
): NonNullable<Configuration['features']> {
  return {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true, allowedPolicy: introspectionPolicy(store) },
    revocation: {
      enabled: true,
      // A client revokes only its own tokens; another client's token is ignored (RFC 7009 §2.2).
      allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId,
    },
    userinfo: { enabled: true },
    // The `claims` request parameter (OIDC Core §5.5): single claims, `essential`, values.
    claimsParameter: { enabled: true },
    rpInitiatedLogout: { enabled: true, ...logoutPages },
    backchannelLogout: { enabled: true },
    deviceFlow: { enabled: true, ...devicePages(onWrongDeviceCode) },
    pushedAuthorizationRequests: { enabled: true },
    dPoP: { enabled: true },
    resourceIndicators: resourceIndicators(store),
  };
}
