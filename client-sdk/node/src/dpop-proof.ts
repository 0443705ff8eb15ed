// DPoP proofs (RFC 9449 §4) for requests to resource servers: a JWT signed with the client's key,
// naming the method and URL and carrying the hash of the access token it accompanies.
import { exportJWK, SignJWT, base64url, type CryptoKey } from 'jose';
import { createHash, randomUUID } from 'node:crypto';
import { SsoError } from './errors.ts';

/** An asymmetric key pair for DPoP (e.g. from `crypto.subtle.generateKey` or jose's `generateKeyPair`). */
export interface DpopKeyPair {
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
}

/** The JWS algorithm for a WebCrypto signing key. */
export function algorithmOf(key: CryptoKey): string {
  const algorithm = key.algorithm as { name: string; namedCurve?: string; hash?: { name: string } };
  switch (algorithm.name) {
    case 'ECDSA':
      return (
        { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' }[algorithm.namedCurve ?? ''] ?? ''
      );
    case 'Ed25519':
    case 'EdDSA':
      return 'EdDSA';
    case 'RSASSA-PKCS1-v1_5':
      return `RS${algorithm.hash?.name.slice(4) ?? '256'}`;
    case 'RSA-PSS':
      return `PS${algorithm.hash?.name.slice(4) ?? '256'}`;
    default:
      throw new SsoError('SSO_CONFIGURATION_INVALID', {
        detail: `DPoP keys of type ${algorithm.name} are not supported`,
      });
  }
}

/** base64url(SHA-256(accessToken)): the `ath` claim of a proof. */
export function accessTokenHash(accessToken: string): string {
  return base64url.encode(createHash('sha256').update(accessToken).digest());
}

/** A DPoP proof for `method` `url` carrying `accessToken`. */
export async function createDpopProof(
  keyPair: DpopKeyPair,
  request: { method: string; url: string | URL; accessToken?: string },
): Promise<string> {
  const htu = new URL(request.url);
  htu.search = '';
  htu.hash = '';
  const { kty, crv, x, y, e, n } = await exportJWK(keyPair.publicKey);
  const jwk = Object.fromEntries(
    Object.entries({ kty, crv, x, y, e, n }).filter(([, value]) => value !== undefined),
  );
  return new SignJWT({
    htm: request.method.toUpperCase(),
    htu: htu.href,
    ...(request.accessToken ? { ath: accessTokenHash(request.accessToken) } : {}),
  })
    .setProtectedHeader({ typ: 'dpop+jwt', alg: algorithmOf(keyPair.privateKey), jwk })
    .setIssuedAt()
    .setJti(randomUUID())
    .sign(keyPair.privateKey);
}
