// The contract between the SSO server and this package: scope, claim, token-type, algorithm and
// error names, defined once. The server imports this file for its own configuration; both are
// compared with the reviewed contract/sso-contract.json (test/contract/contract-file.test.ts), so a
// change here shows up as a change of that file.

/** OpenID Connect scopes SSO supports; API scopes are whatever each registered API declares. */
export const SCOPES = [
  'openid',
  'offline_access',
  'profile',
  'email',
  'phone',
  'address',
  'groups',
] as const;
export type Scope = (typeof SCOPES)[number];

/** The claims each scope releases (in ID tokens and at userinfo). */
export const SCOPE_CLAIMS = {
  openid: ['sub'],
  profile: [
    'name',
    'family_name',
    'given_name',
    'middle_name',
    'nickname',
    'preferred_username',
    'profile',
    'picture',
    'website',
    'gender',
    'birthdate',
    'zoneinfo',
    'locale',
    'updated_at',
  ],
  email: ['email', 'email_verified'],
  phone: ['phone_number', 'phone_number_verified'],
  address: ['address'],
  groups: ['groups'],
} as const satisfies Partial<Record<Scope, readonly string[]>>;

/** Every user claim SSO can release. */
export type UserClaimName = (typeof SCOPE_CLAIMS)[keyof typeof SCOPE_CLAIMS][number];

/**
 * Authentication context classes (`acr`) SSO can satisfy, from weakest to strongest; every ID token
 * carries the one its sign-in met, and `amr` (RFC 8176) says how: `pwd` for a password, `otp` for
 * an authenticator app or recovery code, `hwk` for a passkey, `mfa` when two factors were used.
 */
export const ACR_VALUES = {
  password: 'urn:sso:loa:1fa',
  multiFactor: 'urn:sso:loa:2fa',
} as const;

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
  unmetAuthenticationRequirements: 'unmet_authentication_requirements',
  temporarilyUnavailable: 'temporarily_unavailable',
  serverError: 'server_error',
} as const;
