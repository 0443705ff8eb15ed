// The store with every call timed for metrics: each method of each record group is wrapped once,
// when the store is opened, so a call costs two clock reads and one histogram observation.
import type { Store } from '../../adapters/store.ts';
import type { Metrics } from './metrics.ts';

const GROUPS = ['oidc', 'accounts', 'clients', 'apis', 'keySets', 'counters', 'audit'] as const;
const OWN = ['migrate', 'sweepExpired', 'ping'] as const;

type AnyMethod = (...args: unknown[]) => Promise<unknown>;

/** `store`, its calls reported to `metrics` as `group.method` (`oidc.find`, `accounts.get`, …). */
export function measuredStore(store: Store, metrics: Metrics): Store {
  const wrap = (target: object, name: string, operation: string): AnyMethod => {
    const method = (target as Record<string, AnyMethod>)[name]!;
    return async (...args: unknown[]) => {
      const started = performance.now();
      let failed = true;
      try {
        const result = await method.apply(target, args);
        failed = false;
        return result;
      } finally {
        metrics.storeCall(operation, (performance.now() - started) / 1000, failed);
      }
    };
  };
  // Everything not measured is the store's own (read through the prototype, as sealSecrets does).
  const measured: Record<string, unknown> = {};
  for (const group of GROUPS) {
    const target = store[group] as object;
    const wrapped: Record<string, AnyMethod> = {};
    for (const name of methodNames(target)) wrapped[name] = wrap(target, name, `${group}.${name}`);
    measured[group] = wrapped;
  }
  for (const name of OWN) measured[name] = wrap(store, name, name);
  return Object.assign(Object.create(store) as Store, measured);
}

// The methods of a record group, whether it is a plain object or a class instance.
function methodNames(target: object): string[] {
  const names = new Set<string>();
  for (let proto: object | null = target; proto && proto !== Object.prototype;) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (
        name !== 'constructor' &&
        typeof (target as Record<string, unknown>)[name] === 'function'
      ) {
        names.add(name);
      }
    }
    proto = Object.getPrototypeOf(proto) as object | null;
  }
  return [...names];
}
