// Verifying an access token: a JWT locally against the issuer's keys (RFC 9068: issuer, audience,
// expiry, algorithm allow-list, `typ: at+jwt`), an opaque token by introspection when configured.
import { decodeProtectedHeader, errors, jwtVerify } from 'jose';
import {
  checkRequirements,
  scopesOf,
  type AccessTokenClaims,
  type TokenRequirements,
  type VerifiedToken,
} from './claims.ts';
import { JWT_TYPES, TOKEN_TYPES } from './contract.ts';
import { SsoError, type SsoErrorCode } from './errors.ts';
import { introspect } from './introspection.ts';
import type { Verifier } from './verifier.ts';

/**
 * Verifies a bearer access token and checks `requirements`. A DPoP-bound token is refused
 * (`SSO_DPOP_REQUIRED`): verify the request with `verifyRequest` so its proof is checked.
 *
 * @example
 * ```ts
 * const verified = await verifyAccessToken(verifier, token, { scopes: ['orders:read'] });
 * console.log(verified.claims.sub, verified.scopes);
 * ```
 */
export async function verifyAccessToken(
  verifier: Verifier,
  token: string,
  requirements: TokenRequirements = {},
): Promise<VerifiedToken> {
  const verified = await verifyTokenOnly(verifier, token);
  if (verified.claims.cnf?.jkt) throw new SsoError('SSO_DPOP_REQUIRED');
  checkRequirements(verified, requirements);
  await confirmIfRequired(verifier, verified, requirements);
  return verified;
}

/**
 * When `requirements.confirm` says so, asks SSO whether a token verified locally is still active
 * (package-internal); throws SSO_TOKEN_INACTIVE when it is not.
 */
export async function confirmIfRequired(
  verifier: Verifier,
  verified: VerifiedToken,
  requirements: TokenRequirements,
): Promise<void> {
  if (requirements.confirm !== 'introspection' || verified.via === 'introspection') return;
  const settings = verifier.introspection;
  if (!settings) {
    throw new SsoError('SSO_CONFIGURATION_INVALID', {
      detail: "confirm: 'introspection' needs the verifier's introspection client",
    });
  }
  const result = await introspect(settings.client, verified.token);
  if (!result.active || (result.jti !== undefined && result.jti !== verified.claims.jti)) {
    throw new SsoError('SSO_TOKEN_INACTIVE');
  }
}

/** The token verified as such, without binding or requirement checks (package-internal). */
export async function verifyTokenOnly(verifier: Verifier, token: string): Promise<VerifiedToken> {
  const parts = token.split('.');
  if (parts.length === 3) return verifyJwt(verifier, token);
  if (parts.length === 1 && /^[\w\-~+/]+=*$/.test(token)) return verifyOpaque(verifier, token);
  throw new SsoError('SSO_TOKEN_MALFORMED', { detail: 'neither a JWS nor an opaque token' });
}

async function verifyJwt(verifier: Verifier, token: string): Promise<VerifiedToken> {
  let alg: unknown;
  try {
    alg = decodeProtectedHeader(token).alg;
  } catch (error) {
    throw new SsoError('SSO_TOKEN_MALFORMED', { detail: 'unreadable JWS header', cause: error });
  }
  // Before any key lookup: `none`, HMAC and anything else not allowed ends here.
  if (typeof alg !== 'string' || !verifier.algorithms.includes(alg)) {
    throw new SsoError('SSO_ALGORITHM_NOT_ALLOWED', { detail: String(alg) });
  }
  try {
    const { payload } = await jwtVerify<AccessTokenClaims>(token, verifier.issuer.keys, {
      issuer: verifier.issuer.issuer,
      audience: [...verifier.audience],
      algorithms: [...verifier.algorithms],
      typ: JWT_TYPES.accessToken,
      clockTolerance: verifier.clockTolerance,
      requiredClaims: ['exp', 'iat', 'sub'],
    });
    return verified(token, payload, 'jwt');
  } catch (error) {
    throw fromJoseError(error);
  }
}

async function verifyOpaque(verifier: Verifier, token: string): Promise<VerifiedToken> {
  const settings = verifier.introspection;
  if (!settings) throw new SsoError('SSO_OPAQUE_TOKEN_UNSUPPORTED');
  const result = await introspect(settings.client, token);
  if (!result.active) throw new SsoError('SSO_TOKEN_INACTIVE');
  const type = String(result.token_type ?? '').toLowerCase();
  if (type !== TOKEN_TYPES.bearer.toLowerCase() && type !== TOKEN_TYPES.dpop.toLowerCase()) {
    throw new SsoError('SSO_TOKEN_TYPE_INVALID', {
      detail: `introspection says token_type "${String(result.token_type)}"`,
    });
  }
  if (result.iss !== undefined && result.iss !== verifier.issuer.issuer) {
    throw new SsoError('SSO_ISSUER_MISMATCH', { detail: String(result.iss) });
  }
  const audiences =
    result.aud === undefined ? [] : typeof result.aud === 'string' ? [result.aud] : result.aud;
  const forUs = audiences.some((aud) => verifier.audience.includes(aud));
  if (!forUs && !(audiences.length === 0 && settings.missingAudience === 'accept')) {
    throw new SsoError('SSO_AUDIENCE_MISMATCH', {
      detail: audiences.length ? audiences.join(', ') : 'the token has no audience',
    });
  }
  const { active: _active, token_type: _type, ...claims } = result;
  return verified(token, claims as AccessTokenClaims, 'introspection');
}

function verified(
  token: string,
  claims: AccessTokenClaims,
  via: VerifiedToken['via'],
): VerifiedToken {
  const frozen = Object.freeze({ ...claims });
  return Object.freeze({ token, claims: frozen, scopes: scopesOf(frozen), via, dpop: false });
}

const claimCodes: Record<string, SsoErrorCode> = {
  iss: 'SSO_ISSUER_MISMATCH',
  aud: 'SSO_AUDIENCE_MISMATCH',
  nbf: 'SSO_TOKEN_NOT_YET_VALID',
  iat: 'SSO_TOKEN_NOT_YET_VALID',
  typ: 'SSO_TOKEN_TYPE_INVALID',
};

/** A jose verification error as an SsoError. */
export function fromJoseError(error: unknown): SsoError {
  if (error instanceof SsoError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  const as = (code: SsoErrorCode) => new SsoError(code, { detail, cause: error });
  if (error instanceof errors.JWTExpired) return as('SSO_TOKEN_EXPIRED');
  if (error instanceof errors.JWTClaimValidationFailed) {
    return as(claimCodes[error.claim] ?? 'SSO_TOKEN_MALFORMED');
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return as('SSO_ALGORITHM_NOT_ALLOWED');
  if (error instanceof errors.JWSSignatureVerificationFailed) return as('SSO_SIGNATURE_INVALID');
  if (
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys
  ) {
    return as('SSO_KEY_NOT_FOUND');
  }
  if (
    error instanceof errors.JWSInvalid ||
    error instanceof errors.JWTInvalid ||
    error instanceof errors.JOSENotSupported ||
    error instanceof errors.JWKInvalid
  ) {
    return as('SSO_TOKEN_MALFORMED');
  }
  // JWKS timeout, an unreachable issuer, an invalid JWKS document.
  return as('SSO_JWKS_UNAVAILABLE');
}
