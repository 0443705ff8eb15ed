// The oidc-provider Adapter over our Store. Besides passing calls through, it holds the three
// protocol rules the engine leaves to its storage:
// - single use: a code consumed by a concurrent request is refused and its grant revoked;
// - replay detection is one conditional insert (the engine itself would check, then set);
// - refresh-token rotation grace: a rotated refresh token presented again within the grace window
//   (a concurrent request of the same client) is accepted again instead of revoking the grant, and
//   gets the same successor (refresh-rotation.ts).
// It is also where SSO's checks of a client being authenticated run (client-authentication.ts).
import Provider, {
  errors,
  type Adapter,
  type AdapterPayload,
  type KoaContextWithOIDC,
} from 'oidc-provider';
import type { ClientRecord, OidcModel, Store } from '../../adapters/store.ts';
import { isAuthenticationLookup } from './client-authentication.ts';
import { revokeGrant } from './revoke-grant.ts';
import { storeCall } from './outage.ts';
import { rotatedRefreshToken, settleRotation } from './refresh-rotation.ts';

const SINGLE_USE = new Set<string>([
  'AuthorizationCode',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
]);

// How long a replay-detection claim holds before the engine stores the real expiry (seconds).
const REPLAY_CLAIM_SECONDS = 600;

export interface AdapterOptions {
  /** Seconds during which a consumed refresh token is still accepted. */
  refreshTokenGrace: number;
  /** Runs when the engine looks up a request's client to authenticate it; may throw its error. */
  beforeClientAuthentication?: (ctx: KoaContextWithOIDC, client: ClientRecord) => Promise<void>;
  /** Milliseconds since the epoch, for the grace window; tests move it instead of sleeping. */
  clock?: () => number;
}

/** The Adapter class to hand to oidc-provider's `adapter` configuration. */
export function createAdapter(
  store: Store,
  options: AdapterOptions,
): new (name: string) => Adapter {
  return class StoreAdapter implements Adapter {
    readonly model: OidcModel;

    constructor(name: string) {
      this.model = name as OidcModel;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      await storeCall(async () => {
        await store.oidc.upsert(this.model, id, payload, expiresIn || undefined);
        if (this.model !== 'RefreshToken') return;
        const ctx = Provider.ctx;
        const rotated = rotatedRefreshToken(ctx);
        if (ctx && rotated && rotated !== id) {
          await settleRotation(store, ctx, rotated, id, options.refreshTokenGrace);
        }
      });
    }

    find(id: string): Promise<AdapterPayload | undefined> {
      return storeCall(() => this.#find(id));
    }

    async #find(id: string): Promise<AdapterPayload | undefined> {
      switch (this.model) {
        case 'Client':
          return this.#findClient(id);
        case 'ReplayDetection':
          return this.#claimOnce(id);
        case 'RefreshToken':
          return this.#findRefreshToken(id);
        default:
          return await store.oidc.find(this.model, id);
      }
    }

    findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return storeCall(() => store.oidc.findByUid(this.model, uid));
    }

    findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return storeCall(() => store.oidc.findByUserCode(this.model, userCode));
    }

    async consume(id: string): Promise<void> {
      await storeCall(async () => {
        if (await store.oidc.consume(this.model, id)) return;
        if (!SINGLE_USE.has(this.model)) return; // refresh tokens: a concurrent rotation, see find
        const record = await store.oidc.find(this.model, id);
        if (record?.grantId) await revokeGrant(store, record.grantId);
        throw new errors.InvalidGrant('authorization code already consumed');
      });
    }

    async destroy(id: string): Promise<void> {
      await storeCall(() => store.oidc.destroy(this.model, id));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await storeCall(() => store.oidc.revokeByGrantId(this.model, grantId));
    }

    async #findClient(id: string): Promise<AdapterPayload | undefined> {
      const client = await store.clients.get(id);
      // A disabled client is unknown to the engine (see Clients.setDisabled).
      if (client?.disabled) return undefined;
      const ctx = Provider.ctx;
      if (client && options.beforeClientAuthentication && isAuthenticationLookup(ctx, id)) {
        await options.beforeClientAuthentication(ctx!, client);
      }
      return client?.metadata;
    }

    // Answers "not seen" to exactly one caller per id: the claim is the conditional insert, so
    // two concurrent presentations of one JWT id cannot both pass.
    async #claimOnce(id: string): Promise<AdapterPayload | undefined> {
      const claimed = await store.oidc.insertIfAbsent(this.model, id, {}, REPLAY_CLAIM_SECONDS);
      return claimed ? undefined : {};
    }

    async #findRefreshToken(id: string): Promise<AdapterPayload | undefined> {
      const record = await store.oidc.find(this.model, id);
      if (record?.consumed === undefined) return record;
      const elapsed = (options.clock ?? Date.now)() / 1000 - record.consumed;
      if (elapsed > options.refreshTokenGrace) return record;
      const { consumed: _consumed, ...unconsumed } = record;
      return unconsumed;
    }
  };
}
