// Errors from openid-client (the authorization server's answers and its own checks) as SsoErrors,
// keeping the server's OAuth error code (`invalid_grant`, `invalid_target`, ...) in `serverError`,
// whether it came in the response body or in a `WWW-Authenticate` challenge.
import { SsoError, type SsoErrorCode } from './errors.ts';

interface OAuthErrorFields {
  error?: unknown;
  error_description?: unknown;
  cause?: unknown;
}

/** `error` (thrown by openid-client or fetch) as an SsoError with `code`. */
export function fromProtocolError(code: SsoErrorCode, error: unknown, what: string): SsoError {
  if (error instanceof SsoError) return error;
  const fields = serverFields(error);
  const description =
    typeof fields?.error_description === 'string'
      ? fields.error_description
      : error instanceof Error
        ? error.message
        : String(error);
  const serverError = typeof fields?.error === 'string' ? fields.error : undefined;
  return new SsoError(code, {
    detail: serverError ? `${what}: ${serverError} (${description})` : `${what}: ${description}`,
    cause: error,
    ...(serverError ? { serverError } : {}),
  });
}

// The OAuth error of a response body error, or of the first WWW-Authenticate challenge.
function serverFields(error: unknown): OAuthErrorFields | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const fields = error as OAuthErrorFields;
  if (typeof fields.error === 'string') return fields;
  if (Array.isArray(fields.cause)) {
    const challenge = fields.cause[0] as { parameters?: OAuthErrorFields } | undefined;
    if (typeof challenge?.parameters?.error === 'string') return challenge.parameters;
  }
  return undefined;
}
