// Forcing races in tests: a gate that holds the first calls through it until all have arrived, and
// a way to put such a gate in front of some methods of a real object (a store).

/** Holds the first `count` calls of an armed read until all of them have arrived. */
export class ReadGate {
  #waiting: (() => void)[] = [];
  #left = 0;

  arm(count: number): void {
    this.#left = count;
  }

  async pass(): Promise<void> {
    if (this.#left === 0) return;
    this.#left--;
    await new Promise<void>((resolve) => {
      this.#waiting.push(resolve);
      if (this.#left === 0) for (const release of this.#waiting.splice(0)) release();
    });
  }
}

/** `target` with `overrides` in place of some of its methods (the others bound to it). */
export function delegate<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get(object, property) {
      if (property in overrides) return overrides[property as keyof T];
      const value: unknown = Reflect.get(object, property, object);
      return typeof value === 'function' ? (value as () => unknown).bind(object) : value;
    },
  });
}
