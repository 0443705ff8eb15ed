// The complete oidc-provider configuration, assembled from one part per concern.
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import type { Store } from '../../adapters/store.ts';
import type { Accounts } from '../accounts/accounts.ts';
import type { AuditLog } from '../audit/audit.ts';
import type { Config } from '../config.ts';
import { addressKey, clientAddress } from '../security/client-address.ts';
import type { EndpointLimits } from '../security/endpoint-limits.ts';
import type { SignInGuard } from '../security/sign-in-guard.ts';
import { createAdapter } from './adapter.ts';
import { clientAuthenticationPolicy } from './client-authentication.ts';
import { jwtAccessTokenVerifier, keepJwtRecords } from './jwt-access-tokens.ts';
import { outgoingFetch } from './outgoing-requests.ts';
import { ACR_VALUES } from '../../client-sdk/node/src/contract.ts';
import { accountClaims, OIDC_SCOPES, SCOPE_CLAIMS } from './claims.ts';
import { featuresConfiguration } from './features.ts';
import { storeCall } from './outage.ts';
import { LOCALES } from '../../interactions/i18n/locales.ts';
import { renderError } from './pages.ts';
import { ttlConfiguration } from './ttl.ts';
import { interactionPolicyWithSecondFactor } from './interaction-policy.ts';

export interface ConfigurationInput {
  config: Readonly<Config>;
  store: Store;
  accounts: Accounts;
  /** Private JWKS, signing keys first (see keys/signing-keys.ts). */
  jwks: { keys: Record<string, unknown>[] };
  cookieKeys: string[];
  security: EngineSecurity;
  /** The clock of SSO's own time rules (see AdapterOptions.clock); Date.now when absent. */
  clock?: () => number;
}

/** The guards and the audit log the engine's pages and hooks use. */
export interface EngineSecurity {
  guard: SignInGuard;
  limits: EndpointLimits;
  audit: AuditLog;
}

/** Everything oidc-provider needs, from our configuration, store and keys. */
export function buildConfiguration(input: ConfigurationInput): Configuration {
  const { config, store, accounts, security } = input;
  const onWrongDeviceCode = async (ctx: KoaContextWithOIDC) => {
    const address = clientAddress(ctx);
    const blocked = await security.guard.deviceCodeFailed(addressKey(address));
    await security.audit.record({
      type: blocked ? 'device.code.lockout' : 'device.code.failure',
      ip: address,
    });
  };
  const clientPolicy = clientAuthenticationPolicy(security.limits);
  const resolveJwt = jwtAccessTokenVerifier(config.issuer, input.jwks);
  return {
    adapter: createAdapter(store, {
      refreshTokenGrace: config.refreshTokenGrace,
      ...(input.clock ? { clock: input.clock } : {}),
      beforeClientAuthentication: async (ctx, client) => {
        await clientPolicy(ctx, client);
        await resolveJwt(ctx);
      },
    }),
    formats: { customizers: { jwt: keepJwtRecords(store) } },
    jwks: input.jwks,
    cookies: {
      keys: input.cookieKeys,
      // The session cookie; `none` lets it travel with an app's cross-site POST (see config.ts).
      long: { httpOnly: true, sameSite: config.cookieSameSite },
      short: { httpOnly: true, sameSite: 'lax' },
    },
    scopes: [...OIDC_SCOPES],
    acrValues: Object.values(ACR_VALUES),
    // Every ID token says how its sign-in was made: `openid` releases acr and amr (see ACR_VALUES).
    claims: {
      ...SCOPE_CLAIMS,
      openid: [...SCOPE_CLAIMS.openid, 'acr', 'amr'],
      sid: null,
      auth_time: null,
      iss: null,
    },
    async findAccount(_ctx, sub) {
      const account = await storeCall(() => accounts.get(sub));
      if (!account || account.disabled) return undefined;
      return {
        accountId: account.id,
        claims: () => ({ ...accountClaims(account), sub: account.id }),
      };
    },
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'ES256',
    },
    responseTypes: ['code', 'none'],
    pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' },
    features: featuresConfiguration(store, onWrongDeviceCode),
    ttl: ttlConfiguration(config.ttl),
    // Access tokens issued for a person carry their groups, so APIs can authorize by group (RFC
    // 9068 §2.2.3.1); opaque tokens return them at introspection.
    async extraTokenClaims(_ctx, token) {
      const accountId = 'accountId' in token ? token.accountId : undefined;
      if (!accountId) return undefined;
      const account = await storeCall(() => accounts.get(accountId));
      return account ? { groups: account.groups } : undefined;
    },
    // Clients allowed the refresh_token grant get refresh tokens; without offline_access they end
    // with the browser session (see expiresWithSession).
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    interactions: {
      url: (_ctx: KoaContextWithOIDC, interaction) =>
        `${config.basePath}/interaction/${interaction.uid}`,
      policy: interactionPolicyWithSecondFactor(store, config.mfaGroups),
    },
    renderError,
    // The languages of the sign-in pages, which `ui_locales` can ask for (OIDC Discovery §3).
    discovery: { ui_locales_supported: Object.keys(LOCALES) },
    // OIDC Core §3.1.2.1: the authorization endpoint MUST take POST; so should end-session.
    // oidc-provider serves both only with a SameSite=None session cookie.
    enableHttpPostMethods: config.cookieSameSite === 'none',
    fetch: outgoingFetch(config.outgoingAllowedHosts),
    conformIdTokenClaims: true,
    enabledJWA: {
      idTokenSigningAlgValues: ['ES256', 'RS256'],
      userinfoSigningAlgValues: ['ES256', 'RS256'],
      introspectionSigningAlgValues: ['ES256', 'RS256'],
      authorizationSigningAlgValues: ['ES256', 'RS256'],
      requestObjectSigningAlgValues: ['ES256', 'RS256', 'PS256', 'EdDSA'],
      clientAuthSigningAlgValues: ['HS256', 'ES256', 'RS256', 'PS256', 'EdDSA'],
      dPoPSigningAlgValues: ['ES256', 'EdDSA', 'RS256', 'PS256'],
    },
  };
}
