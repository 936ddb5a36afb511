// The modules a script may import, each bound to the VU that imports it: k6's own, and local copies of the
// jslib.k6.io libraries tutorials import (the runner loads no code from the network).
import { createRequire } from 'node:module';
import type { HttpClient } from './http/client.ts';
import { cryptoModule } from './k6/crypto.ts';
import { dataModule, type SharedArrays } from './k6/data.ts';
import { encodingModule } from './k6/encoding.ts';
import { executionModule, type ExecutionState } from './k6/execution.ts';
import { htmlModule } from './k6/html.ts';
import { timersModule } from './k6/globals.ts';
import { httpModule } from './k6/http/module.ts';
import { k6Module } from './k6/index.ts';
import { metricsModule } from './k6/metrics.ts';
import { k6SummaryModule } from './jslib/k6-summary.ts';
import { k6UtilsModule } from './jslib/k6-utils.ts';
import type { VU } from './runtime.ts';

/** What the modules of one run share beyond their VU. */
export interface ModuleContext {
  client: HttpClient;
  sharedArrays: SharedArrays;
  execution: ExecutionState;
}

const papaparse = createRequire(import.meta.url)('papaparse') as object;

const MODULES: Record<string, (vu: VU, ctx: ModuleContext) => object> = {
  k6: (vu) => k6Module(vu),
  'k6/http': (vu, ctx) => httpModule(vu, ctx.client),
  'k6/metrics': (vu) => metricsModule(vu),
  'k6/execution': (vu, ctx) => executionModule(vu, ctx.execution),
  'k6/data': (vu, ctx) => dataModule(vu, ctx.sharedArrays),
  'k6/encoding': () => encodingModule(),
  'k6/crypto': () => cryptoModule(),
  'k6/html': () => htmlModule(),
  'k6/timers': (vu) => timersModule(vu),
  'jslib/k6-utils': () => k6UtilsModule(),
  'jslib/k6-summary': (vu) => k6SummaryModule(vu),
  'jslib/papaparse': () => papaparse,
};

export const MODULE_NAMES = Object.keys(MODULES).filter((m) => m.startsWith('k6'));

/** jslib.k6.io URLs with a local copy: `https://jslib.k6.io/<name>/<version>/index.js` -> `jslib/<name>`. */
export function jslibModule(url: string): string | undefined {
  const m = /^https:\/\/jslib\.k6\.io\/([\w-]+)\/[\w.-]+\/index\.js$/.exec(url);
  return m && `jslib/${m[1]}` in MODULES ? `jslib/${m[1]}` : undefined;
}

export const JSLIB_NAMES = Object.keys(MODULES)
  .filter((m) => m.startsWith('jslib/'))
  .map((m) => m.slice('jslib/'.length));

/** The `require` of one VU's init context: each module made once per VU, named and default imports both work. */
export function moduleResolver(vu: VU, ctx: ModuleContext): (name: string) => unknown {
  const made = new Map<string, unknown>();
  return (name) => {
    let m = made.get(name);
    if (m !== undefined) return m;
    const make = MODULES[name];
    if (make === undefined) throw new Error(`unsupported k6 module '${name}'`);
    const mod = make(vu, ctx);
    // `import http from 'k6/http'` and `import { check } from 'k6'` alike, in .ts and in Node-mode .js files
    // (descriptors, not a spread: k6/execution's getters must stay live)
    m = Object.defineProperties({ __esModule: true, default: mod }, Object.getOwnPropertyDescriptors(mod));
    made.set(name, m);
    return m;
  };
}
