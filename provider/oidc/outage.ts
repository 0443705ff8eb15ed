// When the store cannot be reached, protocol requests fail fast with 503 temporarily_unavailable
// (JSON for programs, the error page for people) instead of oidc-provider's generic 500.
import { errors } from 'oidc-provider';
import { errorKind } from '../error-kinds.ts';

/** What people and programs are told while the store is unavailable. */
export const STORE_OUTAGE_DESCRIPTION = 'the identity store is unavailable; try again shortly';

/** The OAuth-shaped error for "the identity store is unavailable". */
export class StoreOutage extends errors.OIDCProviderError {
  constructor() {
    super(503, 'temporarily_unavailable');
    this.error_description = STORE_OUTAGE_DESCRIPTION;
    this.expose = true;
  }
}

/** Runs a store call; an unavailable store becomes a StoreOutage. */
export async function storeCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (errorKind(error).kind === 'unavailable') throw new StoreOutage();
    throw error;
  }
}
