// What k6 puts in every script's scope beside __ENV and __VU: open(), console and the timers (also k6/timers).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { format } from 'node:util';
import { describeError } from '../errors.ts';
import type { PendingOp, VU } from '../runtime.ts';

/** The files a run's init code opened, read once for all VUs. */
export class ScriptFiles {
  private readonly cache = new Map<string, Buffer>();
  constructor(readonly dir: string) {}
  read(file: string): Buffer {
    const abs = path.resolve(this.dir, file);
    let b = this.cache.get(abs);
    if (b === undefined) {
      try {
        b = readFileSync(abs);
      } catch (err) {
        throw new Error(`open('${file}'): ${describeError(err)}`);
      }
      this.cache.set(abs, b);
    }
    return b;
  }
}

/** `open(path, 'b'?)`: a file next to the script, as text or (with 'b') an ArrayBuffer; init code only. */
function makeOpen(vu: VU, files: ScriptFiles) {
  return function open(file: string, mode?: string): string | ArrayBuffer {
    if (vu.phase !== 'init')
      throw new Error(`open('${file}') is only available in the init context (k6 reads files before the test starts)`);
    const b = files.read(String(file));
    if (mode === 'b') return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
    return b.toString('utf8');
  };
}

interface Timer {
  handle: NodeJS.Timeout;
  repeat: boolean;
  op: PendingOp;
  token: VU['token'];
}

/**
 * setTimeout/setInterval as k6 runs them: a timer started in an iteration keeps it going until it fired or
 * was cleared (an interval until cleared), and an interrupt cancels it.
 */
function makeTimers(vu: VU) {
  const live = new Map<number, Timer>();
  let next = 1;
  function clear(id: number): void {
    const t = live.get(id);
    if (t === undefined) return;
    live.delete(id);
    clearTimeout(t.handle);
    t.token?.releaseTimer(t.op);
  }
  function start(cb: (...a: unknown[]) => unknown, ms: number | undefined, args: unknown[], repeat: boolean): number {
    if (typeof cb !== 'function')
      throw new Error(`${repeat ? 'setInterval' : 'setTimeout'}: the first argument must be a function`);
    const id = next++;
    const token = vu.token;
    const op: PendingOp = {
      site: {},
      what: `${repeat ? 'setInterval' : 'setTimeout'}(${ms ?? 0})`,
      cancel: () => clear(id),
    };
    const fire = () => {
      const done = repeat ? undefined : () => clear(id);
      try {
        // a callback that waits (made async by the transform) holds the iteration until it settles
        Promise.resolve(cb(...args)).then(done, (err) => {
          vu.rt.warnOnce(
            `timer:${describeError(err)}`,
            `a timer callback threw: ${describeError(err)} at ${vu.rt.errorLocation(err)}`,
          );
          done?.();
        });
      } catch (err) {
        vu.rt.warnOnce(
          `timer:${describeError(err)}`,
          `a timer callback threw: ${describeError(err)} at ${vu.rt.errorLocation(err)}`,
        );
        done?.();
      }
    };
    const handle = repeat
      ? setInterval(fire, Math.max(1, Number(ms) || 0))
      : setTimeout(fire, Math.max(0, Number(ms) || 0));
    live.set(id, { handle, repeat, op, token });
    token?.holdTimer(op);
    return id;
  }
  return {
    setTimeout: (cb: (...a: unknown[]) => unknown, ms?: number, ...args: unknown[]) => start(cb, ms, args, false),
    setInterval: (cb: (...a: unknown[]) => unknown, ms?: number, ...args: unknown[]) => start(cb, ms, args, true),
    clearTimeout: (id: number) => clear(id),
    clearInterval: (id: number) => clear(id),
  };
}

export type Timers = ReturnType<typeof makeTimers>;

export function timersModule(vu: VU): Timers {
  return makeTimers(vu);
}

/**
 * console as k6 has it: lines on stderr with a level and `source=console`, so they never mix into a summary or
 * `--out json=-` on stdout; debug lines only with k6's --verbose, which this runner does not have.
 */
function makeConsole(vu: VU) {
  const line =
    (level: string) =>
    (...args: unknown[]) => {
      const s = Math.floor((performance.now() - vu.rt.testStartedAt) / 1000);
      vu.rt.stderr.write(`${level}[${String(Math.max(0, s)).padStart(4, '0')}] ${format(...args)} source=console\n`);
    };
  return { log: line('INFO'), info: line('INFO'), warn: line('WARN'), error: line('ERRO'), debug: () => {} };
}

export type ScriptGlobals = { open: ReturnType<typeof makeOpen>; console: ReturnType<typeof makeConsole> } & Timers;

/** The globals one VU's script sees. */
export function scriptGlobals(vu: VU, files: ScriptFiles): ScriptGlobals {
  return { open: makeOpen(vu, files), console: makeConsole(vu), ...makeTimers(vu) };
}
