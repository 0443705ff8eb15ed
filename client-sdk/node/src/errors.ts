// Every error this package throws: one class, a stable string `code`, and one table that gives each
// code its message, the HTTP status a server answers with, and the OAuth error code (RFC 6750) a
// resource server puts in `WWW-Authenticate`. Messages are formatted here and nowhere else.
import { CLIENT_ERRORS, type OAUTH_ERRORS } from './contract.ts';

type OAuthError = (typeof OAUTH_ERRORS)[keyof typeof OAUTH_ERRORS];

interface ErrorMeta {
  /** What went wrong, for people. */
  readonly message: string;
  /** The HTTP status a server answers with when this error ends a request. */
  readonly status: number;
  /** The RFC 6750 / RFC 9449 error code for `WWW-Authenticate`, when it is about the token. */
  readonly oauthError?: OAuthError;
}

/**
 * Every error code, with its message, HTTP status and OAuth error. Codes never change meaning; they
 * are defined in contract/sso-contract.json, shared with the Python package.
 */
export const ERROR_CODES = CLIENT_ERRORS satisfies Record<string, ErrorMeta>;

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
