// The k6 modules a script may import, each bound to the VU that imports it.
import type { HttpClient } from './http/client.ts';
import { executionModule } from './k6/execution.ts';
import { httpModule } from './k6/http/module.ts';
import { k6Module } from './k6/index.ts';
import { metricsModule } from './k6/metrics.ts';
import type { VU } from './runtime.ts';

/** What the modules of one run share beyond their VU. */
export interface ModuleContext {
  client: HttpClient;
  /** `exec.test.abort(reason)`: stops the whole test */
  testAbort(reason: string): void;
}

const MODULES: Record<string, (vu: VU, ctx: ModuleContext) => object> = {
  k6: (vu) => k6Module(vu),
  'k6/http': (vu, ctx) => httpModule(vu, ctx.client),
  'k6/metrics': (vu) => metricsModule(vu),
  'k6/execution': (vu, ctx) => executionModule(vu, ctx.testAbort),
};

export const MODULE_NAMES = Object.keys(MODULES);

/** The `require` of one VU's init context: each module made once per VU, named and default imports both work. */
export function moduleResolver(vu: VU, ctx: ModuleContext): (name: string) => unknown {
  const made = new Map<string, unknown>();
  return (name) => {
    let m = made.get(name);
    if (m !== undefined) return m;
    const make = MODULES[name];
    if (make === undefined) throw new Error(`unsupported k6 module '${name}'`);
    const mod = make(vu, ctx);
    // `import http from 'k6/http'` and `import { check } from 'k6'` alike
    m = { __esModule: true, ...mod, default: mod };
    made.set(name, m);
    return m;
  };
}
