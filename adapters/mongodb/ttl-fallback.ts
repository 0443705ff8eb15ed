// What the store does where the server refuses TTL indexes (FerretDB 1.x): say so once, and remove
// expired records itself on a timer that never keeps the process alive and stops with close().
import { startSweeper, type Sweeper } from './expiry.ts';
import type { MongoStoreLog } from './mongodb-store.ts';

/** The periodic sweep that stands in for TTL indexes, started at most once. */
export interface TtlFallback {
  /** Starts sweeping (warning once, with `reason`); later calls do nothing. */
  start(reason: string): void;
  /** Whether the sweep runs. */
  readonly active: boolean;
  stop(): void;
}

/** A fallback that runs `sweep` every `intervalMs` once started, reporting through `log`. */
export function ttlFallback(
  sweep: () => Promise<unknown>,
  intervalMs: number,
  log: MongoStoreLog,
  describeError: (error: unknown) => string,
): TtlFallback {
  let sweeper: Sweeper | undefined;
  let stopped = false;
  let failing = false; // report the first of a run of failures, not every one
  const sweepQuietly = () =>
    sweep().then(
      () => {
        failing = false;
      },
      (error: unknown) => {
        if (!failing) log.warn('MongoDB expiry sweep failed', { reason: describeError(error) });
        failing = true;
      },
    );
  return {
    start(reason) {
      if (sweeper || stopped) return;
      log.warn(
        'MongoDB server refused TTL indexes; this process removes expired records itself instead',
        { reason, sweepIntervalMs: intervalMs },
      );
      sweeper = startSweeper(sweepQuietly, intervalMs, () => undefined);
    },
    get active() {
      return sweeper !== undefined;
    },
    stop() {
      stopped = true;
      sweeper?.stop();
    },
  };
}
