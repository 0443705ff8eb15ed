// Who may introspect a token (RFC 7662 §4 leaves it to the server): the client it was issued to,
// and the clients registered as resource servers of its audience. Anyone else learns nothing
// (`active: false`), as does anyone asking about a token whose client no longer exists.
import type { Configuration } from 'oidc-provider';
import type { Store } from '../../adapters/store.ts';
import { storeCall } from './outage.ts';

type AllowedPolicy = NonNullable<
  NonNullable<NonNullable<Configuration['features']>['introspection']>['allowedPolicy']
>;

/** `features.introspection.allowedPolicy`. */
export function introspectionPolicy(store: Store): AllowedPolicy {
  return async (_ctx, client, token) => {
    const { clientId } = token;
    if (!clientId) return false;
    const [owner, caller] = await storeCall(() =>
      Promise.all([store.clients.get(clientId), store.clients.get(client.clientId)]),
    );
    if (!owner) return false;
    if (clientId === client.clientId) return true;
    // Refresh tokens have no audience: only their own client may ask about them.
    const aud = token.kind === 'RefreshToken' ? undefined : (token as { aud?: unknown }).aud;
    const audiences = [aud ?? []].flat().filter((a): a is string => typeof a === 'string');
    const served = caller?.resourceServerFor ?? [];
    return audiences.length > 0 && audiences.every((a) => served.includes(a));
  };
}
