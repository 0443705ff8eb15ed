// Signing keys as administrators manage them: list with their states, rotate. The rules of
// rotation (publish first, sign later, withdraw once every token they signed has expired) are in
// signing-keys.ts; this service adds what a rotation needs to know from the rest of the
// configuration (the longest token lifetime, API tokens included).
import type { Store, StoredKey } from '../../adapters/store.ts';
import type { TokenLifetimes } from '../config.ts';
import { maxSignedTokenLifetime } from '../oidc/ttl.ts';
import { rotateSigningKeys } from './signing-keys.ts';

/** Default delay between publishing new keys and signing with them: relying parties cache JWKS. */
export const DEFAULT_ACTIVATE_AFTER = 3600;

/** What a rotation did. */
export interface Rotation {
  /** Every key of the set after the rotation. */
  keys: StoredKey[];
  /** The keys it added (one per algorithm). */
  added: StoredKey[];
  /** The keys that stop signing when the new ones start. */
  retiring: StoredKey[];
  /** When the new keys start signing, epoch ms. */
  activatesAt: number;
  /** Seconds the retiring keys stay published after that. */
  maxTokenLifetime: number;
}

/** The signing keys every instance shares. */
export class KeyManagement {
  readonly #store: Store;
  readonly #ttl: Readonly<TokenLifetimes>;

  constructor(store: Store, ttl: Readonly<TokenLifetimes>) {
    this.#store = store;
    this.#ttl = ttl;
  }

  /** The signing keys in the store (none before the first start). */
  async list(): Promise<StoredKey[]> {
    return (await this.#store.keySets.get('signing'))?.keys ?? [];
  }

  /** Publishes a new key per algorithm that signs after `activateAfter` seconds. */
  async rotate(activateAfter: number = DEFAULT_ACTIVATE_AFTER): Promise<Rotation> {
    const apiTtls = (await this.#store.apis.list()).map((api) => api.accessTokenTtl);
    const maxTokenLifetime = maxSignedTokenLifetime(this.#ttl, apiTtls);
    const before = new Set((await this.list()).map((key) => key.kid));
    const set = await rotateSigningKeys(this.#store, { activateAfter, maxTokenLifetime });
    const added = set.keys.filter((key) => !before.has(key.kid));
    const activatesAt = added[0]?.activatesAt ?? Date.now() + activateAfter * 1000;
    const retiring = set.keys.filter((key) => key.retiresAt === activatesAt);
    return { keys: set.keys, added, retiring, activatesAt, maxTokenLifetime };
  }
}
