// How an API answers a request it refuses (RFC 6750 §3, RFC 9449 §7.1): the status, and a
// `WWW-Authenticate` challenge with the realm, the OAuth error, a description and, for missing
// scopes, the scopes needed. No error code when no token was presented at all.
import { TOKEN_TYPES } from './contract.ts';
import type { SsoError } from './errors.ts';
import type { Verifier } from './verifier.ts';

/** An HTTP answer: status, headers and a JSON body. */
export interface ErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: { error?: string; error_description: string; code: string };
}

/**
 * The answer to a request refused with `error` (an SsoError from `verifyRequest`); `scheme` is the
 * one the request used. Other errors are not the client's fault: rethrow them.
 *
 * @example
 * ```ts
 * const { status, headers, body } = errorResponse(verifier, error);
 * reply.status(status).headers(headers).send(body);
 * ```
 */
export function errorResponse(
  verifier: Verifier,
  error: SsoError,
  scheme: 'Bearer' | 'DPoP' = TOKEN_TYPES.bearer,
): ErrorResponse {
  const dpop = scheme === TOKEN_TYPES.dpop || error.code.startsWith('SSO_DPOP_');
  const parameters: [string, string][] = [['realm', verifier.realm]];
  if (error.oauthError) {
    parameters.push(['error', error.oauthError], ['error_description', error.message]);
    if (error.scopes?.length) parameters.push(['scope', error.scopes.join(' ')]);
  }
  if (dpop) parameters.push(['algs', verifier.dpop.algorithms.join(' ')]);
  const challenge = `${dpop ? TOKEN_TYPES.dpop : TOKEN_TYPES.bearer} ${parameters
    .map(([name, value]) => `${name}="${quoted(value)}"`)
    .join(', ')}`;
  const headers: Record<string, string> = { 'cache-control': 'no-store' };
  if (error.status === 401 || error.oauthError) headers['www-authenticate'] = challenge;
  return {
    status: error.status,
    headers,
    body: {
      ...(error.oauthError ? { error: error.oauthError } : {}),
      error_description: error.message,
      code: error.code,
    },
  };
}

/** A challenge parameter value: RFC 6750 allows printable ASCII except `"` and `\`. */
function quoted(value: string): string {
  return value
    .replace(/[^\x20-\x7e]/g, '?')
    .replace(/"/g, "'")
    .replace(/\\/g, '/');
}
