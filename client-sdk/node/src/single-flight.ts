// Single-flight: concurrent callers asking for the same key share one in-flight promise, so a burst
// of requests makes one network call. Optionally a settled result is kept for a short while, for
// callers that were a moment late (a browser request sent just before the new cookie arrived).
import { setTimeout } from 'node:timers';

export interface SingleFlight<K, V> {
  /** Runs `work` for `key` unless a run for `key` is in flight (or recently settled): then joins it. */
  run(key: K, work: () => Promise<V>): Promise<V>;
}

/** A single-flight group; `keepFor` milliseconds is how long a fulfilled result is still shared. */
export function singleFlight<K, V>(keepFor = 0): SingleFlight<K, V> {
  const flights = new Map<K, Promise<V>>();
  return {
    run(key, work) {
      const existing = flights.get(key);
      if (existing) return existing;
      const flight = work();
      flights.set(key, flight);
      const forget = () => {
        if (flights.get(key) === flight) flights.delete(key);
      };
      flight.then(() => {
        if (keepFor > 0) setTimeout(forget, keepFor).unref();
        else forget();
      }, forget);
      return flight;
    },
  };
}
