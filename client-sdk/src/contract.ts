// The contract between the SSO server and this package: scope, claim, token-type, algorithm and
// error names, defined once. The server imports this file for its own configuration, so the two
// cannot drift; a test compares it with what a running server publishes.

/** OpenID Connect scopes SSO supports; API scopes are whatever each registered API declares. */
export const SCOPES = ['openid', 'offline_access', 'profile', 'email', 'groups'] as const;
export type Scope = (typeof SCOPES)[number];

/** The claims each scope releases (in ID tokens and at userinfo). */
export const SCOPE_CLAIMS = {
  openid: ['sub'],
  profile: ['name', 'given_name', 'family_name', 'preferred_username', 'updated_at'],
  email: ['email', 'email_verified'],
  groups: ['groups'],
} as const satisfies Partial<Record<Scope, readonly string[]>>;

/** Every user claim SSO can release. */
export type UserClaimName = (typeof SCOPE_CLAIMS)[keyof typeof SCOPE_CLAIMS][number];

/** Claims of SSO's JWT access tokens (RFC 9068) besides the registered ones. */
export const ACCESS_TOKEN_CLAIMS = {
  scope: 'scope',
  clientId: 'client_id',
  confirmation: 'cnf',
} as const;

/** JOSE header `typ` values of the JWTs SSO signs. */
export const JWT_TYPES = { accessToken: 'at+jwt', logoutToken: 'logout+jwt' } as const;

/** Signing algorithms: the first is the default; the others are published for clients that need them. */
export const SIGNING_ALGORITHMS = ['ES256', 'RS256'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/** Token types of token responses and of the Authorization header schemes. */
export const TOKEN_TYPES = { bearer: 'Bearer', dpop: 'DPoP' } as const;

/** Grant types SSO supports. */
export const GRANT_TYPES = {
  authorizationCode: 'authorization_code',
  refreshToken: 'refresh_token',
  clientCredentials: 'client_credentials',
  deviceCode: 'urn:ietf:params:oauth:grant-type:device_code',
} as const;

/** OAuth error codes SSO answers with (RFC 6749, 6750, 7009, 7662, 8628, 8707, 9449). */
export const OAUTH_ERRORS = {
  invalidRequest: 'invalid_request',
  invalidClient: 'invalid_client',
  invalidGrant: 'invalid_grant',
  unauthorizedClient: 'unauthorized_client',
  unsupportedGrantType: 'unsupported_grant_type',
  invalidScope: 'invalid_scope',
  invalidTarget: 'invalid_target',
  invalidToken: 'invalid_token',
  unsupportedTokenType: 'unsupported_token_type',
  insufficientScope: 'insufficient_scope',
  invalidDpopProof: 'invalid_dpop_proof',
  accessDenied: 'access_denied',
  loginRequired: 'login_required',
  consentRequired: 'consent_required',
  authorizationPending: 'authorization_pending',
  slowDown: 'slow_down',
  expiredToken: 'expired_token',
  temporarilyUnavailable: 'temporarily_unavailable',
  serverError: 'server_error',
} as const;
