// Verifying an API request: the access token from `Authorization: Bearer` or `Authorization: DPoP`
// (RFC 6750 §2.1, RFC 9449 §7), the DPoP proof a DPoP-bound token needs, and the route's
// requirements. A DPoP-bound token presented as a bearer token is refused.
import { checkRequirements, type TokenRequirements, type VerifiedToken } from './claims.ts';
import { TOKEN_TYPES } from './contract.ts';
import { SsoError } from './errors.ts';
import { verifyDpopProof } from './verify-dpop.ts';
import { confirmIfRequired, verifyTokenOnly } from './verify-token.ts';
import type { Verifier } from './verifier.ts';

/** The parts of an HTTP request that carry a token. */
export interface TokenRequest {
  method: string;
  /** The absolute URL the client addressed (for DPoP's `htu`). */
  url: string;
  headers: {
    authorization?: string | string[] | undefined;
    dpop?: string | string[] | undefined;
  };
}

/**
 * Verifies the access token of a request (and its DPoP proof when the token is DPoP-bound) and
 * checks `requirements`. Throws an SsoError whose `status` and `oauthError` make the answer; see
 * `errorResponse`.
 *
 * @example
 * ```ts
 * const verified = await verifyRequest(
 *   verifier,
 *   { method: 'GET', url: 'https://api.example.com/orders', headers: { authorization } },
 *   { scopes: ['orders:read'] },
 * );
 * ```
 */
export async function verifyRequest(
  verifier: Verifier,
  request: TokenRequest,
  requirements: TokenRequirements = {},
): Promise<VerifiedToken> {
  const { scheme, token } = credentials(request.headers.authorization);
  const verified = await verifyTokenOnly(verifier, token);
  const jkt = verified.claims.cnf?.jkt;
  let result = verified;
  if (scheme === TOKEN_TYPES.bearer) {
    if (jkt) throw new SsoError('SSO_DPOP_REQUIRED');
  } else {
    if (!jkt) throw new SsoError('SSO_DPOP_NOT_BOUND');
    const proofs = request.headers.dpop;
    if (typeof proofs !== 'string' || proofs.includes(',')) {
      throw new SsoError('SSO_DPOP_PROOF_INVALID', {
        detail: 'exactly one DPoP header is required',
      });
    }
    await verifyDpopProof(verifier, proofs, request, { accessToken: token, jkt });
    result = Object.freeze({ ...verified, dpop: true });
  }
  checkRequirements(result, requirements);
  await confirmIfRequired(verifier, result, requirements);
  return result;
}

/** The scheme and token of an Authorization header. */
function credentials(header: string | string[] | undefined): {
  scheme: (typeof TOKEN_TYPES)[keyof typeof TOKEN_TYPES];
  token: string;
} {
  if (Array.isArray(header)) {
    throw new SsoError('SSO_REQUEST_INVALID', { detail: 'more than one Authorization header' });
  }
  if (!header) throw new SsoError('SSO_TOKEN_MISSING');
  const match = /^(\S+) +(\S+)$/.exec(header.trim());
  const scheme = match?.[1]?.toLowerCase();
  if (scheme === TOKEN_TYPES.bearer.toLowerCase() || scheme === TOKEN_TYPES.dpop.toLowerCase()) {
    if (!/^[\w\-.~+/]+=*$/.test(match![2]!)) {
      throw new SsoError('SSO_REQUEST_INVALID', { detail: 'the token has invalid characters' });
    }
    return {
      scheme: scheme === 'dpop' ? TOKEN_TYPES.dpop : TOKEN_TYPES.bearer,
      token: match![2]!,
    };
  }
  if (/^(bearer|dpop)\b/i.test(header.trim())) {
    throw new SsoError('SSO_REQUEST_INVALID', { detail: 'expected "<scheme> <token>"' });
  }
  // Another scheme (e.g. Basic): to this API, no token was presented.
  throw new SsoError('SSO_TOKEN_MISSING');
}
