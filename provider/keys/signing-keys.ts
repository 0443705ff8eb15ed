// Signing keys: generated on first start, kept in the store (shared by every instance), rotated with
// overlap. A new key is published before it signs; a retired key stays published until every token
// it signed has expired.
import { exportJWK, generateKeyPair } from 'jose';
import { randomBytes } from 'node:crypto';
import type { KeySet, Store, StoredKey } from '../../adapters/store.ts';

import { SIGNING_ALGORITHMS, type SigningAlgorithm } from '../../client-sdk/node/src/contract.ts';

/** The algorithms SSO signs with; the first is the default for ID tokens and access tokens. */
export const SIGNING_ALGS = SIGNING_ALGORITHMS;
export type SigningAlg = SigningAlgorithm;

/** A new private signing key for `alg`, activating at `activatesAt`. */
export async function generateSigningKey(alg: SigningAlg, activatesAt: number): Promise<StoredKey> {
  const options =
    alg === 'RS256' ? { modulusLength: 2048, extractable: true } : { extractable: true };
  const { privateKey } = await generateKeyPair(alg, options);
  const kid = randomBytes(12).toString('base64url');
  const jwk = { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' };
  return { kid, jwk, createdAt: Date.now(), activatesAt };
}

/** The signing key set, created with one active key per algorithm if the store has none. */
export async function ensureSigningKeys(store: Store): Promise<KeySet> {
  const existing = await store.keySets.get('signing');
  if (existing) return existing;
  const now = Date.now();
  const keys = await Promise.all(SIGNING_ALGS.map((alg) => generateSigningKey(alg, now)));
  return store.keySets.create('signing', keys);
}

export interface RotationOptions {
  /** Seconds between publishing the new keys and signing with them. */
  activateAfter: number;
  /** Seconds a token signed by a retired key can still be valid: how long it stays published. */
  maxTokenLifetime: number;
}

/**
 * Adds a new key per algorithm that activates after `activateAfter`, schedules the current signers
 * to retire then and to leave the key set once their tokens have expired, and drops expired keys.
 * Safe against concurrent rotations: the set is replaced by compare-and-swap.
 */
export async function rotateSigningKeys(store: Store, options: RotationOptions): Promise<KeySet> {
  for (;;) {
    const current = await ensureSigningKeys(store);
    const now = Date.now();
    const activatesAt = now + options.activateAfter * 1000;
    const fresh = await Promise.all(
      SIGNING_ALGS.map((alg) => generateSigningKey(alg, activatesAt)),
    );
    // Expired keys go, and so do keys of an earlier rotation that have not signed yet: the new
    // ones supersede them.
    const kept = current.keys
      .filter((key) => key.expiresAt === undefined || key.expiresAt > now)
      .filter((key) => key.activatesAt <= now)
      .map((key) =>
        key.retiresAt === undefined || key.retiresAt > activatesAt
          ? {
              ...key,
              retiresAt: activatesAt,
              expiresAt: activatesAt + options.maxTokenLifetime * 1000,
            }
          : key,
      );
    const replaced = await store.keySets.replace('signing', current.version, [...kept, ...fresh]);
    if (replaced) return replaced;
  }
}

export type KeyState = 'pending' | 'active' | 'retired' | 'expired';

/** Where `key` stands at `now`. */
export function keyState(key: StoredKey, now: number): KeyState {
  if (key.expiresAt !== undefined && key.expiresAt <= now) return 'expired';
  if (key.retiresAt !== undefined && key.retiresAt <= now) return 'retired';
  if (key.activatesAt > now) return 'pending';
  return 'active';
}

/**
 * The private JWKS to configure oidc-provider with at `now`: every unexpired key; per algorithm the
 * newest active key first and able to sign, every other key verification-only (`key_ops`).
 */
export function providerJwks(set: KeySet, now: number): { keys: Record<string, unknown>[] } {
  const live = set.keys.filter((key) => keyState(key, now) !== 'expired');
  const signers = new Set<string>();
  for (const alg of SIGNING_ALGS) {
    const active = live
      .filter((key) => key.jwk.alg === alg && keyState(key, now) === 'active')
      .sort((a, b) => b.activatesAt - a.activatesAt)[0];
    if (active) signers.add(active.kid);
  }
  const ordered = [...live].sort((a, b) => Number(signers.has(b.kid)) - Number(signers.has(a.kid)));
  return {
    keys: ordered.map((key) =>
      signers.has(key.kid) ? { ...key.jwk } : { ...key.jwk, key_ops: ['verify'] },
    ),
  };
}

/** The next moment after `now` at which some key changes state, if any. */
export function nextKeyChange(set: KeySet, now: number): number | undefined {
  const moments = set.keys
    .flatMap((key) => [key.activatesAt, key.retiresAt, key.expiresAt])
    .filter((moment): moment is number => moment !== undefined && moment > now);
  return moments.length ? Math.min(...moments) : undefined;
}
