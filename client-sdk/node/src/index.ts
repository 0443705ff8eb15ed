// @sso/client: what a service installs to trust SSO. Plain functions over frozen configuration
// objects; every error is an SsoError with a stable `code`. See README.md for examples.
export {
  ACCESS_TOKEN_CLAIMS,
  ACR_VALUES,
  GRANT_TYPES,
  JWT_TYPES,
  OAUTH_ERRORS,
  SCOPE_CLAIMS,
  SCOPES,
  SIGNING_ALGORITHMS,
  TOKEN_TYPES,
} from './contract.ts';
export type { Scope, SigningAlgorithm, UserClaimName } from './contract.ts';
export { ERROR_CODES, SsoError, isSsoError } from './errors.ts';
export type { SsoErrorCode, SsoErrorDetails } from './errors.ts';
export type { HttpFetch } from './http.ts';

export { discoverIssuer } from './issuer.ts';
export type { DiscoveryOptions, Issuer, IssuerMetadata } from './issuer.ts';
export { createClient } from './client.ts';
export type { Client, ClientAuthMethod, ClientOptions } from './client.ts';

export { DEFAULT_LOGIN_SCOPE, finishLogin, startLogin } from './login.ts';
export type { LoginOptions, LoginState } from './login.ts';
export { expiresSoon } from './session.ts';
export type { Session, TokenType, UserClaims } from './session.ts';
export { refreshSession } from './refresh.ts';
export { logoutUrl, revokeToken } from './logout.ts';
export type { LogoutOptions } from './logout.ts';

export { createWebAuth } from './web-auth.ts';
export type { WebAuth, WebAuthOptions } from './web-auth.ts';
export { koaRequireLogin, koaWebAuth } from './web-koa.ts';
export { expressRequireLogin, expressWebAuth } from './web-express.ts';
export type {
  ExpressMiddleware,
  ExpressRequestLike,
  ExpressResponseLike,
  KoaContextLike,
  KoaMiddleware,
  SsoRequest,
  SsoState,
} from './frameworks.ts';

export { clientCredentials, getToken, renewToken } from './service-tokens.ts';
export type { ServiceToken, TokenSource, TokenSourceOptions } from './service-tokens.ts';
export { authorizedFetch } from './authorized-fetch.ts';
export type { AuthorizedFetch } from './authorized-fetch.ts';
export type { DpopKeyPair } from './dpop-proof.ts';

export { introspect } from './introspection.ts';
export type { Introspection } from './introspection.ts';

export { createVerifier } from './verifier.ts';
export type { Verifier, VerifierOptions } from './verifier.ts';
export { verifyAccessToken } from './verify-token.ts';
export { verifyRequest } from './verify-request.ts';
export type { TokenRequest } from './verify-request.ts';
export { requireGroups, requireScopes } from './claims.ts';
export type { AccessTokenClaims, TokenRequirements, VerifiedToken } from './claims.ts';
export { errorResponse } from './challenge.ts';
export type { ErrorResponse } from './challenge.ts';
export { koaRequireToken } from './api-koa.ts';
export { expressRequireToken } from './api-express.ts';
