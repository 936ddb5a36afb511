// The `k6` module: check, group, sleep, fail (k6-subset §4), each bound to one VU.
import { performance } from 'node:perf_hooks';
import type { PendingOp, VU } from '../runtime.ts';
import { md5, stringTags } from '../tags.ts';
import { blocking, WAIT } from '../sync/helpers.ts';

function isAsyncFunction(fn: unknown): boolean {
  return typeof fn === 'function' && fn.constructor?.name === 'AsyncFunction';
}

/** Counts one check in the group tree, where the summary reads passes and fails. */
function countCheck(vu: VU, name: string, ok: boolean): void {
  const group = vu.rt.groupNode(vu.group);
  let node = group.checks.get(name);
  if (!node) {
    const path = `${vu.group}::${name}`;
    node = { name, path, id: md5(path), passes: 0, fails: 0 };
    group.checks.set(name, node);
  }
  if (ok) node.passes++;
  else node.fails++;
}

/** Runs one check entry: whether it passed, and what it threw (re-thrown after the sample). */
function evaluateCheck<T>(name: string, c: unknown, val: T): { ok: boolean; threw: boolean; thrown?: unknown } {
  if (isAsyncFunction(c)) throw new Error(`check '${name}': async functions are not supported in checks`);
  try {
    const r = typeof c === 'function' ? (c as (v: T) => unknown)(val) : c;
    if (r !== null && typeof r === 'object' && typeof (r as { then?: unknown }).then === 'function')
      throw new Error(`check '${name}': returned a promise; checks must be synchronous`);
    return { ok: Boolean(r), threw: false };
  } catch (err) {
    return { ok: false, threw: true, thrown: err };
  }
}

function makeCheck(vu: VU) {
  const rt = vu.rt;
  return function check<T>(val: T, sets: Record<string, unknown>, tags?: object): boolean {
    if (vu.phase === 'init') throw new Error('check() is not allowed in the init context');
    let all = true;
    const extra = tags === undefined ? undefined : stringTags(tags);
    for (const name of Object.keys(sets)) {
      const r = evaluateCheck(name, sets[name], val);
      countCheck(vu, name, r.ok);
      rt.registry.add(
        rt.metrics.checks,
        rt.registry.tagSetOf({ ...vu.tags, group: vu.group, ...(extra ?? {}), check: name }),
        r.ok ? 1 : 0,
      );
      if (!r.ok) all = false;
      if (r.threw) throw r.thrown;
    }
    return all;
  };
}

/** Enters a group for the duration of fn: its samples and checks carry the group's path, then group_duration. */
function inGroup<R>(vu: VU, name: string, fn: () => R, after: (finish: () => void, r: R) => R): R {
  if (vu.phase === 'init') throw new Error('group() is not allowed in the init context');
  if (name.includes('::'))
    throw new Error(`group name '${name}' contains '::', which k6 reserves as the path separator`);
  const rt = vu.rt;
  const parent = vu.group;
  const path = `${parent}::${name}`;
  rt.group(path, name, parent);
  vu.group = path;
  vu.refreshBase();
  const t0 = performance.now();
  const finish = () => {
    rt.registry.add(rt.metrics.group_duration, vu.baseTagSet, performance.now() - t0);
    vu.group = parent;
    vu.refreshBase();
  };
  let r: R;
  try {
    r = fn();
  } catch (err) {
    finish();
    throw err;
  }
  return after(finish, r);
}

/**
 * group(name, fn) as k6 runs it: fn is synchronous. Its waiting version (the transform's, for groups around
 * blocking calls) keeps the group open until fn's promise settles, as a blocked VU would on k6.
 */
function makeGroup(vu: VU) {
  function group<R>(name: string, fn: () => R): R {
    if (isAsyncFunction(fn))
      throw new Error(`group '${name}': async functions are not supported in groups (k6 rejects them too)`);
    return inGroup(vu, name, fn, (finish, r) => {
      finish();
      if (r !== null && typeof r === 'object' && typeof (r as { then?: unknown }).then === 'function') {
        vu.rt.warnOnce(
          `group-promise:${name}`,
          `group '${name}' returned a promise: as on k6, the group ended when its function returned, so group_duration and what runs after the await are outside it; write the group without await (the runner makes blocking calls wait)`,
        );
      }
      return r;
    });
  }
  function waitingGroup<R>(name: string, fn: () => R | Promise<R>): Promise<R> {
    return inGroup<Promise<R>>(
      vu,
      name,
      () => Promise.resolve(fn()),
      (finish, r) => r.finally(finish),
    );
  }
  return Object.assign(group, { [WAIT]: waitingGroup });
}

function makeSleep(vu: VU) {
  return function sleep(seconds: number): Promise<void> {
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
      timer = setTimeout(
        () => {
          token?.deleteOp(op);
          resolve();
        },
        Math.max(0, Number(seconds) * 1000),
      );
    });
  };
}

export function k6Module(vu: VU) {
  return {
    check: makeCheck(vu),
    group: makeGroup(vu),
    sleep: blocking('sleep()', makeSleep(vu), (stack) => vu.rt.location(stack)),
    fail: (msg?: string): never => {
      throw new Error(msg ?? 'fail() called');
    },
    randomSeed: (_seed: number) => {
      vu.rt.warnOnce('randomSeed', 'randomSeed() has no effect in this runner (Math.random is not seedable in Node)');
    },
  };
}
