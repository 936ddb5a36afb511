// A bundled script's init context, as every thread that runs VUs loads it (without the bundler loadScript needs).
import { createRequire } from 'node:module';
import type { ScriptGlobals } from './k6/globals.ts';
import type { ScriptInstance } from './script-instance.ts';
import { SYNC_HELPERS } from './sync/helpers.ts';

export type ScriptFactory = (
  env: Record<string, string | undefined>,
  vu: number,
  require: (name: string) => unknown,
  globals: ScriptGlobals,
) => ScriptInstance;
type RawFactory = (
  env: Record<string, string | undefined>,
  vu: number,
  require: (name: string) => unknown,
  sync: typeof SYNC_HELPERS,
  globals: ScriptGlobals,
) => ScriptInstance;

/** The init context of a bundle loadScript wrote: each thread that runs VUs requires it once. */
export function factoryOf(bundle: string): ScriptFactory {
  // stack traces then name the script's .ts file and line, through the inline source map
  process.setSourceMapsEnabled(true);
  const raw = createRequire(bundle)(bundle) as RawFactory;
  return (env, vu, require, globals) => raw(env, vu, require, SYNC_HELPERS, globals);
}
