// `k6/data`: SharedArray, built once per name for the whole run and read-only in every VU.
import type { VU } from '../runtime.ts';

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
  }
  return v;
}

/** The run's shared arrays by name: the first VU to declare one builds it, the others get the same one. */
export type SharedArrays = Map<string, readonly unknown[]>;

export function dataModule(vu: VU, arrays: SharedArrays) {
  class SharedArray {
    constructor(name: string, build: () => unknown[]) {
      if (vu.phase !== 'init') throw new Error(`SharedArray '${name}': can only be created in the init context`);
      if (typeof name !== 'string' || name === '')
        throw new Error('SharedArray: the first argument must be a non-empty name');
      let data = arrays.get(name);
      if (data === undefined) {
        if (typeof build !== 'function')
          throw new Error(`SharedArray '${name}': the second argument must be a function returning an array`);
        const made = build();
        if (!Array.isArray(made))
          throw new Error(`SharedArray '${name}': the function must return an array, got ${typeof made}`);
        // a JSON copy, like k6's: no functions or class instances, and nothing shared with the builder
        data = deepFreeze(JSON.parse(JSON.stringify(made)) as unknown[]);
        arrays.set(name, data);
      }
      // biome-ignore lint/correctness/noConstructorReturn: every VU gets the one frozen array of a name, as in k6
      return data as unknown as SharedArray;
    }
  }
  return { SharedArray };
}
