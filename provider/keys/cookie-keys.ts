// Cookie signing keys: random secrets generated on first start and shared through the store, so
// that every instance accepts the cookies of every other.
import { randomBytes } from 'node:crypto';
import type { Store } from '../../adapters/store.ts';

/** The cookie signing secrets, newest first, created in the store if there are none yet. */
export async function ensureCookieKeys(store: Store): Promise<string[]> {
  let set = await store.keySets.get('cookie');
  if (!set) {
    const now = Date.now();
    const k = randomBytes(32).toString('base64url');
    set = await store.keySets.create('cookie', [
      {
        kid: randomBytes(8).toString('base64url'),
        jwk: { kty: 'oct', k },
        createdAt: now,
        activatesAt: now,
      },
    ]);
  }
  return [...set.keys]
    .sort((a, b) => b.activatesAt - a.activatesAt)
    .map((key) => String(key.jwk.k));
}
