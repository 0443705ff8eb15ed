// rate-limiter-flexible over the store's counters, so that every instance sharing a store shares
// its limits. This is the library's documented way to add a storage backend: extend
// RateLimiterStoreAbstract and implement _upsert, _get, _delete and _getRateLimiterRes. The
// counters' add is atomic (see adapters/store.ts), so this limiter is too.
import { createRequire } from 'node:module';
import {
  RateLimiterRes,
  type IRateLimiterStoreOptions,
  type RateLimiterStoreAbstract as StoreAbstract,
} from 'rate-limiter-flexible';
import type { Counter, CounterRecords } from '../../adapters/store.ts';

// The abstract class is the library's public extension point but not among its named exports.
const RateLimiterStoreAbstract = createRequire(import.meta.url)(
  'rate-limiter-flexible/lib/RateLimiterStoreAbstract.js',
) as typeof StoreAbstract;

export type StoreLimiterOptions = Omit<IRateLimiterStoreOptions, 'storeClient' | 'storeType'> & {
  counters: CounterRecords;
};

/** A rate limiter whose points live in the store's counters. */
export class StoreRateLimiter extends RateLimiterStoreAbstract {
  readonly #counters: CounterRecords;

  constructor({ counters, ...options }: StoreLimiterOptions) {
    super({ ...options, storeClient: counters });
    this.#counters = counters;
  }

  protected _upsert(
    rlKey: string,
    points: number,
    msDuration: number,
    forceExpire = false,
  ): Promise<Counter> {
    return this.#counters.add(rlKey, points, msDuration, forceExpire);
  }

  protected async _get(rlKey: string): Promise<Counter | null> {
    return (await this.#counters.get(rlKey)) ?? null;
  }

  protected _delete(rlKey: string): Promise<boolean> {
    return this.#counters.delete(rlKey);
  }

  protected _getRateLimiterRes(_rlKey: string, changedPoints: number, counter: Counter) {
    return new RateLimiterRes(
      Math.max(this.points - counter.points, 0),
      counter.expiresAt === undefined ? -1 : Math.max(counter.expiresAt - Date.now(), 0),
      counter.points,
      changedPoints === counter.points,
    );
  }
}

/** Whether a limiter's rejection is "over the limit" (a RateLimiterRes), not a store failure. */
export function isLimitReached(rejection: unknown): rejection is RateLimiterRes {
  return rejection instanceof RateLimiterRes;
}

/** Whole seconds until `res` lets requests through again (at least 1). */
export function retryAfterSeconds(res: RateLimiterRes): number {
  return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
}
