// DPoP (RFC 9449) key pairs, and the access-token hash (`ath`) a proof carries. The proofs
// themselves are made by openid-client / oauth4webapi (their DPoP handle, which also keeps the
// servers' DPoP nonces); verify-dpop.ts checks the proofs an API receives.
import { base64url, type CryptoKey } from 'jose';
import { createHash } from 'node:crypto';

/** An asymmetric key pair for DPoP (e.g. from `crypto.subtle.generateKey` or jose's `generateKeyPair`). */
export interface DpopKeyPair {
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
}

/** base64url(SHA-256(accessToken)): the `ath` claim of a proof. */
export function accessTokenHash(accessToken: string): string {
  return base64url.encode(createHash('sha256').update(accessToken).digest());
}
