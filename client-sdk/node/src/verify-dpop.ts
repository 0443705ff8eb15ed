// Checking a DPoP proof (RFC 9449 §4.3, §7.1) against the request and the DPoP-bound token it
// accompanies: `typ`, an allowed asymmetric algorithm, the embedded public key and the signature,
// `htm`/`htu`, a fresh `iat`, `ath`, a `jti` not seen before, and the key's thumbprint equal to the
// token's `cnf.jkt`. Seen `jti`s are kept in memory per verifier (per process).
import {
  calculateJwkThumbprint,
  decodeProtectedHeader,
  EmbeddedJWK,
  jwtVerify,
  type JWK,
} from 'jose';
import { accessTokenHash } from './dpop-proof.ts';
import { SsoError } from './errors.ts';
import { nowSeconds } from './http.ts';
import type { Verifier } from './verifier.ts';

/** The request a proof must match. */
export interface DpopRequest {
  method: string;
  /** The request's absolute URL as the client addressed it. */
  url: string;
}

const seen = new WeakMap<Verifier, Map<string, number>>();
const MAX_REMEMBERED = 100_000;

/** Checks `proof`; throws `SSO_DPOP_PROOF_INVALID`, `SSO_DPOP_PROOF_REPLAYED` or `SSO_DPOP_KEY_MISMATCH`. */
export async function verifyDpopProof(
  verifier: Verifier,
  proof: string,
  request: DpopRequest,
  token: { accessToken: string; jkt: string },
): Promise<void> {
  const invalid = (detail: string, cause?: unknown) =>
    new SsoError('SSO_DPOP_PROOF_INVALID', { detail, cause });
  let header;
  try {
    header = decodeProtectedHeader(proof);
  } catch (error) {
    throw invalid('unreadable header', error);
  }
  if (header.typ !== 'dpop+jwt') throw invalid('typ must be dpop+jwt');
  if (typeof header.alg !== 'string' || !verifier.dpop.algorithms.includes(header.alg)) {
    throw invalid(`algorithm ${String(header.alg)} is not allowed`);
  }
  const jwk: JWK | undefined = header.jwk;
  if (!jwk || typeof jwk !== 'object' || 'd' in jwk || 'k' in jwk) {
    throw invalid('the header must embed a public key (jwk)');
  }
  let payload;
  try {
    ({ payload } = await jwtVerify(proof, EmbeddedJWK, {
      typ: 'dpop+jwt',
      algorithms: [...verifier.dpop.algorithms],
      maxTokenAge: verifier.dpop.maxAge,
      clockTolerance: verifier.clockTolerance,
      requiredClaims: ['iat', 'jti', 'htm', 'htu', 'ath'],
    }));
  } catch (error) {
    throw invalid(error instanceof Error ? error.message : 'signature or claims', error);
  }
  if (payload.htm !== request.method.toUpperCase()) throw invalid('htm does not match the method');
  const expected = withoutQuery(request.url);
  if (!expected || typeof payload.htu !== 'string' || withoutQuery(payload.htu) !== expected) {
    throw invalid('htu does not match the URL');
  }
  if (payload.ath !== accessTokenHash(token.accessToken)) {
    throw invalid('ath does not match the access token');
  }
  if ((await calculateJwkThumbprint(jwk, 'sha256')) !== token.jkt) {
    throw new SsoError('SSO_DPOP_KEY_MISMATCH');
  }
  const until = (payload.iat ?? nowSeconds()) + verifier.dpop.maxAge + verifier.clockTolerance;
  remember(verifier, `${token.jkt}:${String(payload.jti)}`, until);
}

function remember(verifier: Verifier, key: string, until: number): void {
  let entries = seen.get(verifier);
  if (!entries) seen.set(verifier, (entries = new Map<string, number>()));
  const now = nowSeconds();
  const previous = entries.get(key);
  if (previous !== undefined && previous >= now) throw new SsoError('SSO_DPOP_PROOF_REPLAYED');
  if (entries.size >= MAX_REMEMBERED || entries.size % 1024 === 1023) {
    for (const [jti, expiry] of entries) if (expiry < now) entries.delete(jti);
  }
  entries.set(key, until);
}

function withoutQuery(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    parsed.search = '';
    parsed.hash = '';
    return parsed.href;
  } catch {
    return undefined;
  }
}
