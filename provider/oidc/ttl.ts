// Lifetimes of what the engine issues, from the configured values (seconds). Access tokens for an
// API live as long as that API says.
import type { Configuration } from 'oidc-provider';
import type { TokenLifetimes } from '../config.ts';

/** oidc-provider's `ttl` configuration. */
export function ttlConfiguration(ttl: TokenLifetimes): NonNullable<Configuration['ttl']> {
  return {
    AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? ttl.accessToken,
    ClientCredentials: (_ctx, token) =>
      token.resourceServer?.accessTokenTTL ?? ttl.clientCredentials,
    AuthorizationCode: ttl.authorizationCode,
    DeviceCode: ttl.deviceCode,
    BackchannelAuthenticationRequest: ttl.deviceCode,
    IdToken: ttl.idToken,
    Interaction: ttl.interaction,
    Session: ttl.session,
    Grant: ttl.grant,
    RefreshToken: (ctx, token, client) => {
      // A public browser client's rotated refresh token keeps the lifetime of the first one, so
      // rotation cannot extend a stolen token forever (the engine's own default rule).
      const rotated = ctx?.oidc?.entities.RotatedRefreshToken;
      if (
        rotated &&
        client.applicationType === 'web' &&
        client.clientAuthMethod === 'none' &&
        !token.isSenderConstrained()
      ) {
        return rotated.remainingTTL;
      }
      return ttl.refreshToken;
    },
  };
}

/** The longest any signed token (ID token, JWT access token) can stay valid, in seconds. */
export function maxSignedTokenLifetime(ttl: TokenLifetimes, apiTtls: number[]): number {
  return Math.max(ttl.idToken, ttl.accessToken, ttl.clientCredentials, ...apiTtls);
}
