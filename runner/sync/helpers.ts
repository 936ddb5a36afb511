// What transformed scripts call at run time (see transform.ts): the waiting version of each blocking k6
// function, array callbacks run one after the other, and a loud stand-in for a call the transform missed.

/** The key under which a blocking k6 function keeps the version the transform calls and awaits. */
export const WAIT: unique symbol = Symbol('loadlab.wait');

export type Blocking<F extends (...a: never[]) => unknown> = F & { [WAIT]: F };

const PROMISE_KEYS = new Set<PropertyKey>(['then', 'catch', 'finally']);

/**
 * A blocking k6 function: `fn[WAIT]` is what transformed code calls (and awaits). Called any other way, the
 * call was made where the transform could not make it wait (through an alias, or from code it cannot follow):
 * the promise it returns throws, naming the call and where it was made, as soon as the script reads its result
 * instead of silently handing over `undefined`.
 */
export function blocking<F extends (...a: never[]) => Promise<unknown>>(
  what: string,
  fn: F,
  location: (stack: string | undefined) => string,
): Blocking<F> {
  const plain = ((...args: Parameters<F>) => {
    const site = new Error();
    const p = fn(...args);
    return new Proxy(p, {
      get(target, key) {
        if (PROMISE_KEYS.has(key)) return (target[key as 'then'] as (...a: unknown[]) => unknown).bind(target);
        if (key === Symbol.toStringTag) return 'Promise';
        throw new Error(
          `${what} at ${location(site.stack)} did not wait for its result: the runner could not follow this call (an alias, or a function passed where it cannot look); call ${what} directly or write 'await ${what}'`,
        );
      },
    });
  }) as unknown as Blocking<F>;
  plain[WAIT] = fn;
  return plain;
}

type Callback = (value: unknown, index: number, all: unknown) => unknown;

/** Array methods whose callback may wait: each call awaited before the next, as k6 runs them. */
class SequentialArray {
  constructor(private readonly a: readonly unknown[]) {}
  async forEach(cb: Callback): Promise<void> {
    for (let i = 0; i < this.a.length; i++) await cb(this.a[i], i, this.a);
  }
  async map(cb: Callback): Promise<unknown[]> {
    const out: unknown[] = [];
    for (let i = 0; i < this.a.length; i++) out.push(await cb(this.a[i], i, this.a));
    return out;
  }
  async flatMap(cb: Callback): Promise<unknown[]> {
    return (await this.map(cb)).flat();
  }
  async filter(cb: Callback): Promise<unknown[]> {
    const out: unknown[] = [];
    for (let i = 0; i < this.a.length; i++) if (await cb(this.a[i], i, this.a)) out.push(this.a[i]);
    return out;
  }
  async some(cb: Callback): Promise<boolean> {
    for (let i = 0; i < this.a.length; i++) if (await cb(this.a[i], i, this.a)) return true;
    return false;
  }
  async every(cb: Callback): Promise<boolean> {
    for (let i = 0; i < this.a.length; i++) if (!(await cb(this.a[i], i, this.a))) return false;
    return true;
  }
  async findIndex(cb: Callback): Promise<number> {
    for (let i = 0; i < this.a.length; i++) if (await cb(this.a[i], i, this.a)) return i;
    return -1;
  }
  async find(cb: Callback): Promise<unknown> {
    const i = await this.findIndex(cb);
    return i < 0 ? undefined : this.a[i];
  }
  async reduce(
    cb: (acc: unknown, value: unknown, index: number, all: unknown) => unknown,
    ...init: unknown[]
  ): Promise<unknown> {
    let i = 0;
    let acc = init.length > 0 ? init[0] : this.a[i++];
    for (; i < this.a.length; i++) acc = await cb(acc, this.a[i], i, this.a);
    return acc;
  }
}

export const ARRAY_METHODS = ['forEach', 'map', 'flatMap', 'filter', 'some', 'every', 'findIndex', 'find', 'reduce'];

/** The receiver of `x.forEach(cb)` and the like, where cb waits: arrays, Maps and Sets one element at a time. */
function seq(x: unknown): unknown {
  if (Array.isArray(x)) return new SequentialArray(x);
  if (x instanceof Map || x instanceof Set) {
    return {
      forEach: async (cb: Callback) => {
        for (const [k, v] of x.entries()) await cb(v, k, x);
      },
    };
  }
  return x;
}

/** The last value thrown that is not an Error, and where: such a value has no stack of its own. */
let lastThrown: { value: unknown; site: { stack?: string } } | null = null;

/** What a transformed `throw x` throws: x itself, its place noted when x cannot carry one. */
function thrown(x: unknown): unknown {
  if (!(x instanceof Error)) {
    const site: { stack?: string } = {};
    Error.captureStackTrace(site, thrown);
    lastThrown = { value: x, site };
  }
  return x;
}

/** The stack of an error, or of the place a non-Error value was last thrown from. */
export function stackOf(err: unknown): string | undefined {
  if (err instanceof Error) return err.stack;
  if (lastThrown !== null && Object.is(lastThrown.value, err)) return lastThrown.site.stack;
  return (err as { stack?: string } | null)?.stack;
}

/** The `__k6sync` a transformed bundle receives. */
export const SYNC_HELPERS = { W: WAIT, seq, thrown };
