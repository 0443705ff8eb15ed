// Sealing small records into cookie values: a JWT encrypted with `dir` + A256GCM (jose EncryptJWT)
// under a key derived (HKDF-SHA256) from the app's secret, one key per purpose. Several secrets may
// be configured: the first seals, all open (secret rotation without signing everyone out).
import { hkdfSync } from 'node:crypto';
import { EncryptJWT, jwtDecrypt, type JWTPayload } from 'jose';
import { SsoError } from './errors.ts';

/** The smallest secret accepted, in bytes (UTF-8). */
export const MIN_SECRET_BYTES = 32;

/** Keys for one purpose: the first seals, every one opens. */
export type SealKeys = readonly Uint8Array[];

/** Keys for `purpose` from the configured secret(s); `SSO_CONFIGURATION_INVALID` if one is short. */
export function sealKeys(secrets: string | readonly string[], purpose: string): SealKeys {
  const list = typeof secrets === 'string' ? [secrets] : [...secrets];
  if (list.length === 0) {
    throw new SsoError('SSO_CONFIGURATION_INVALID', { detail: 'a cookie secret is required' });
  }
  return Object.freeze(
    list.map((secret) => {
      if (
        typeof secret !== 'string' ||
        new TextEncoder().encode(secret).byteLength < MIN_SECRET_BYTES
      ) {
        throw new SsoError('SSO_CONFIGURATION_INVALID', {
          detail: `each cookie secret must be at least ${MIN_SECRET_BYTES} bytes (generate one with: openssl rand -base64 48)`,
        });
      }
      return new Uint8Array(hkdfSync('sha256', secret, '', `@sso/client ${purpose}`, 32));
    }),
  );
}

/** `payload` sealed under the first key, valid for `ttl` seconds. */
export async function seal(payload: JWTPayload, keys: SealKeys, ttl: number): Promise<string> {
  return new EncryptJWT(payload)
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
    .setIssuedAt()
    .setExpirationTime(`${ttl}s`)
    .encrypt(keys[0]!);
}

/** The payload of a sealed value, or undefined if no key opens it or it has expired. */
export async function unseal(value: string, keys: SealKeys): Promise<JWTPayload | undefined> {
  for (const key of keys) {
    try {
      const { payload } = await jwtDecrypt(value, key, {
        keyManagementAlgorithms: ['dir'],
        contentEncryptionAlgorithms: ['A256GCM'],
      });
      return payload;
    } catch {
      // Another key, a tampered value, or an expired one: try the next key.
    }
  }
  return undefined;
}
