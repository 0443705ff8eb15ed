// Every error this package throws: one class, a stable string `code`, and one table that gives each
// code its message, the HTTP status a server answers with, and the OAuth error code (RFC 6750) a
// resource server puts in `WWW-Authenticate`. Messages are formatted here and nowhere else.
import { OAUTH_ERRORS } from './contract.ts';

type OAuthError = (typeof OAUTH_ERRORS)[keyof typeof OAUTH_ERRORS];

interface ErrorMeta {
  /** What went wrong, for people. */
  readonly message: string;
  /** The HTTP status a server answers with when this error ends a request. */
  readonly status: number;
  /** The RFC 6750 / RFC 9449 error code for `WWW-Authenticate`, when it is about the token. */
  readonly oauthError?: OAuthError;
}

const invalidToken = OAUTH_ERRORS.invalidToken;

/** Every error code, with its message, HTTP status and OAuth error. Codes never change meaning. */
export const ERROR_CODES = {
  SSO_CONFIGURATION_INVALID: { message: 'invalid configuration', status: 500 },
  SSO_DISCOVERY_FAILED: { message: 'issuer discovery failed', status: 503 },
  SSO_JWKS_UNAVAILABLE: { message: 'the issuer signing keys could not be fetched', status: 503 },
  SSO_TOKEN_REQUEST_FAILED: { message: 'the token request failed', status: 502 },
  SSO_INTROSPECTION_FAILED: { message: 'token introspection failed', status: 503 },
  SSO_LOGIN_FAILED: { message: 'sign-in failed', status: 400 },
  SSO_LOGIN_STATE_MISSING: {
    message: 'sign-in state is missing or expired; start the sign-in again',
    status: 400,
  },
  SSO_REFRESH_FAILED: { message: 'the session could not be refreshed', status: 401 },
  SSO_SESSION_TOO_LARGE: {
    message: 'the session does not fit in a cookie (4 KB); request fewer scopes or claims',
    status: 500,
  },
  SSO_NOT_SIGNED_IN: { message: 'sign-in required', status: 401 },
  SSO_GROUP_REQUIRED: {
    message: 'membership in a required group is missing',
    status: 403,
    oauthError: OAUTH_ERRORS.insufficientScope,
  },
  SSO_TOKEN_MISSING: { message: 'no access token was presented', status: 401 },
  SSO_REQUEST_INVALID: {
    message: 'the Authorization header is malformed',
    status: 400,
    oauthError: OAUTH_ERRORS.invalidRequest,
  },
  SSO_TOKEN_MALFORMED: {
    message: 'the access token is malformed',
    status: 401,
    oauthError: invalidToken,
  },
  SSO_TOKEN_EXPIRED: {
    message: 'the access token has expired',
    status: 401,
    oauthError: invalidToken,
  },
  SSO_TOKEN_NOT_YET_VALID: {
    message: 'the access token is not valid yet',
    status: 401,
    oauthError: invalidToken,
  },
  SSO_TOKEN_INACTIVE: {
    message: 'the access token is not active',
    status: 401,
    oauthError: invalidToken,
  },
  SSO_TOKEN_TYPE_INVALID: {
    message: 'the token is not an access token',
    status: 401,
    oauthError: invalidToken,
  },
  SSO_ALGORITHM_NOT_ALLOWED: {
    message: 'the token signing algorithm is not allowed',
    status: 401,
    oauthError: invalidToken,
  },
  SSO_SIGNATURE_INVALID: {
    message: 'the token signature is invalid',
    status: 401,
    oauthError: invalidToken,
  },
  SSO_KEY_NOT_FOUND: {
    message: 'the token was signed with a key the issuer does not publish',
    status: 401,
    oauthError: invalidToken,
  },
  SSO_ISSUER_MISMATCH: {
    message: 'the token was issued by another issuer',
    status: 401,
    oauthError: invalidToken,
  },
  SSO_AUDIENCE_MISMATCH: {
    message: 'the token is meant for another audience',
    status: 401,
    oauthError: invalidToken,
  },
  SSO_OPAQUE_TOKEN_UNSUPPORTED: {
    message: 'opaque tokens are not accepted (configure introspection to accept them)',
    status: 401,
    oauthError: invalidToken,
  },
  SSO_INSUFFICIENT_SCOPE: {
    message: 'the token lacks a required scope',
    status: 403,
    oauthError: OAUTH_ERRORS.insufficientScope,
  },
  SSO_DPOP_REQUIRED: {
    message: 'the token is DPoP-bound and must be presented with the DPoP scheme and a proof',
    status: 401,
    oauthError: invalidToken,
  },
  SSO_DPOP_NOT_BOUND: {
    message: 'the DPoP scheme was used with a token that is not DPoP-bound',
    status: 401,
    oauthError: invalidToken,
  },
  SSO_DPOP_PROOF_INVALID: {
    message: 'the DPoP proof is invalid',
    status: 401,
    oauthError: OAUTH_ERRORS.invalidDpopProof,
  },
  SSO_DPOP_PROOF_REPLAYED: {
    message: 'the DPoP proof was already used',
    status: 401,
    oauthError: OAUTH_ERRORS.invalidDpopProof,
  },
  SSO_DPOP_KEY_MISMATCH: {
    message: 'the DPoP proof is signed by a key the token is not bound to',
    status: 401,
    oauthError: invalidToken,
  },
} as const satisfies Record<string, ErrorMeta>;

/** A stable error code, e.g. `SSO_TOKEN_EXPIRED`. */
export type SsoErrorCode = keyof typeof ERROR_CODES;

/** Extra facts about an error. */
export interface SsoErrorDetails {
  /** What exactly failed; appended to the code's message. */
  detail?: string;
  /** The underlying error (from openid-client, jose, fetch). */
  cause?: unknown;
  /** The OAuth error code an authorization server answered with, e.g. `invalid_grant`. */
  serverError?: string;
  /** Scopes that would have been enough (for `SSO_INSUFFICIENT_SCOPE`). */
  scopes?: readonly string[];
}

/**
 * The one error class of this package: `code` is stable, `message` is for people.
 *
 * @example
 * ```ts
 * try {
 *   await verifyAccessToken(verifier, token);
 * } catch (error) {
 *   if (error instanceof SsoError && error.code === 'SSO_TOKEN_EXPIRED') {
 *     // ask for a new token
 *   }
 * }
 * ```
 */
export class SsoError extends Error {
  readonly code: SsoErrorCode;
  /** HTTP status a server answers with when this error ends a request. */
  readonly status: number;
  /** The RFC 6750 error code for `WWW-Authenticate`, if the error is about the token. */
  readonly oauthError: OAuthError | undefined;
  /** The OAuth error code the authorization server answered with, if it answered with one. */
  readonly serverError: string | undefined;
  /** Scopes that would have been enough (for `SSO_INSUFFICIENT_SCOPE`). */
  readonly scopes: readonly string[] | undefined;

  constructor(code: SsoErrorCode, details: SsoErrorDetails = {}) {
    const meta: ErrorMeta = ERROR_CODES[code];
    super(
      details.detail ? `${meta.message}: ${details.detail}` : meta.message,
      details.cause === undefined ? undefined : { cause: details.cause },
    );
    this.name = 'SsoError';
    this.code = code;
    this.status = meta.status;
    this.oauthError = meta.oauthError;
    this.serverError = details.serverError;
    this.scopes = details.scopes;
  }
}

/**
 * Whether `error` is an {@link SsoError}, optionally with one of `codes`.
 *
 * @example
 * ```ts
 * if (isSsoError(error, 'SSO_TOKEN_EXPIRED', 'SSO_TOKEN_INACTIVE')) renewAndRetry();
 * ```
 */
export function isSsoError(error: unknown, ...codes: SsoErrorCode[]): error is SsoError {
  return error instanceof SsoError && (codes.length === 0 || codes.includes(error.code));
}
