// Revoking a grant: the grant and every code and token issued under it, in one place for the
// adapter (a replayed code revokes its grant) and the sessions service (an administrator revokes).
import type { OidcModel, Store } from '../../adapters/store.ts';

/** Models whose records carry a grantId and die with their grant. */
export const GRANT_MODELS = [
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
] as const satisfies readonly OidcModel[];

/** Removes every token and code of `grantId`, and the grant itself. */
export async function revokeGrant(store: Store, grantId: string): Promise<void> {
  await Promise.all([
    ...GRANT_MODELS.map((model) => store.oidc.revokeByGrantId(model, grantId)),
    store.oidc.destroy('Grant', grantId),
  ]);
}
