import { stringTags, type PendingOp, type VU } from '../runtime.ts';

function isAsyncFunction(fn: unknown): boolean {
  return typeof fn === 'function' && fn.constructor?.name === 'AsyncFunction';
}

/** The `k6` module bound to one VU: check, group, sleep, fail. */
export function k6Module(vu: VU) {
  const rt = vu.rt;
  const m = rt.metrics;

  function check<T>(val: T, sets: Record<string, unknown>, tags?: object): boolean {
    if (vu.phase === 'init') throw new Error('check() is not allowed in the init context');
    let all = true;
    const extra = tags === undefined ? undefined : stringTags(tags);
    const group = rt.groupNode(vu.group);
    for (const name of Object.keys(sets)) {
      const c = sets[name];
      if (isAsyncFunction(c)) throw new Error(`check '${name}': async functions are not supported in checks`);
      let ok = false;
      let thrown: unknown;
      let threw = false;
      try {
        const r = typeof c === 'function' ? (c as (v: T) => unknown)(val) : c;
        if (r !== null && typeof r === 'object' && typeof (r as { then?: unknown }).then === 'function') throw new Error(`check '${name}': returned a promise; checks must be synchronous`);
        ok = Boolean(r);
      } catch (err) {
        threw = true;
        thrown = err;
      }
      let node = group.checks.get(name);
      if (!node) {
        const path = `${vu.group}::${name}`;
        node = { name, path, id: rtMd5(path), passes: 0, fails: 0 };
        group.checks.set(name, node);
      }
      if (ok) node.passes++;
      else node.fails++;
      const ts = rt.registry.tagSetOf({ ...vu.tags, group: vu.group, ...(extra ?? {}), check: name });
      rt.registry.add(m.checks, ts, ok ? 1 : 0);
      if (!ok) all = false;
      if (threw) throw thrown;
    }
    return all;
  }

  function group<R>(name: string, fn: () => R): R {
    if (vu.phase === 'init') throw new Error('group() is not allowed in the init context');
    if (name.includes('::')) throw new Error(`group name '${name}' contains '::', which k6 reserves as the path separator`);
    if (isAsyncFunction(fn)) throw new Error(`group '${name}': async functions are not supported in groups (k6 rejects them too)`);
    const parent = vu.group;
    const path = `${parent}::${name}`;
    rt.group(path, name, parent);
    vu.group = path;
    vu.refreshBase();
    const t0 = performance.now();
    try {
      return fn();
    } finally {
      const ts = vu.baseTagSet;
      rt.registry.add(m.group_duration, ts, performance.now() - t0);
      vu.group = parent;
      vu.refreshBase();
    }
  }

  function sleep(seconds: number): Promise<void> {
    if (vu.phase === 'init') throw new Error('sleep() is not allowed in the init context');
    const token = vu.token;
    if (token?.interrupted) return new Promise(() => {});
    const site: { stack?: string } = {};
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 4;
    Error.captureStackTrace(site, sleep);
    Error.stackTraceLimit = limit;
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const op: PendingOp = { site, what: `sleep(${seconds})`, cancel: () => clearTimeout(timer) };
      token?.addOp(op);
      timer = setTimeout(() => {
        token?.deleteOp(op);
        resolve();
      }, Math.max(0, Number(seconds) * 1000));
    });
  }

  function fail(msg?: string): never {
    throw new Error(msg ?? 'fail() called');
  }

  return {
    check,
    group,
    sleep,
    fail,
    randomSeed: (_seed: number) => {
      rt.warnOnce('randomSeed', 'randomSeed() has no effect in this runner (Math.random is not seedable in Node)');
    },
  };
}

import { md5 as rtMd5 } from '../runtime.ts';
