import { build, type Message, type Plugin } from 'esbuild';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RunnerError, EXIT } from './errors.ts';
import { JSLIB_NAMES, jslibModule, MODULE_NAMES } from './modules.ts';
import { factoryOf, type ScriptFactory } from './script-factory.ts';
import { makeBlockingCallsWait } from './sync/transform.ts';

export interface LoadedScript {
  file: string;
  /** the bundled script (CommonJS), which other threads load with factoryOf */
  bundle: string;
  factory: ScriptFactory;
  dispose(): void;
}

// The bundle becomes one function: each call is a fresh init context, and __ENV/__VU/__ITER are its
// parameters and locals, so VUs sharing one event loop still see their own values.
// __k6sync: what the transform's awaited calls use (sync/helpers.ts); __k6globals: open(), console, timers.
const BANNER =
  'module.exports = function (__ENV, __VU, __k6require, __k6sync, __k6globals) { var __ITER = 0; var module = { exports: {} }; var exports = module.exports; var require = __k6require;' +
  ' var open = __k6globals.open, console = __k6globals.console, setTimeout = __k6globals.setTimeout, clearTimeout = __k6globals.clearTimeout, setInterval = __k6globals.setInterval, clearInterval = __k6globals.clearInterval;';
const FOOTER = 'return { exports: module.exports, setIter: function (i) { __ITER = i; } }; };';

function k6Modules(): Plugin {
  return {
    name: 'k6-modules',
    setup(b) {
      b.onResolve({ filter: /^k6(\/.*)?$/ }, (args) => {
        if (MODULE_NAMES.includes(args.path)) return { path: args.path, external: true };
        return { errors: [{ text: `unsupported k6 module '${args.path}' (supported: ${MODULE_NAMES.join(', ')})` }] };
      });
      b.onResolve({ filter: /^https?:\/\// }, (args) => {
        const local = jslibModule(args.path);
        if (local) return { path: local, external: true };
        return {
          errors: [
            {
              text: `remote module '${args.path}' is not supported: the runner loads no code from the network (local copies exist for jslib.k6.io's ${JSLIB_NAMES.join(', ')})`,
            },
          ],
        };
      });
    },
  };
}

/** esbuild: the script and its local imports in one CommonJS file, k6 modules left to the runtime. */
async function bundleScript(file: string, outfile: string): Promise<{ code: string; map: string }> {
  const result = await build({
    entryPoints: [file],
    bundle: true,
    write: false,
    outfile,
    format: 'cjs',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    target: 'es2022',
    sourcemap: 'external',
    logLevel: 'silent',
    plugins: [k6Modules()],
  });
  const js = result.outputFiles.find((f) => f.path.endsWith('.cjs'))!;
  const map = result.outputFiles.find((f) => f.path.endsWith('.map'))!;
  return { code: js.text.replace(/\n\/\/# sourceMappingURL=.*\n?$/, '\n'), map: map.text };
}

function describe(m: Message): string {
  const loc = m.location
    ? `${path.relative(process.cwd(), path.resolve(m.location.file)) || m.location.file}:${m.location.line}:${m.location.column + 1}: `
    : '';
  return `${loc}${m.text}`;
}

export async function loadScript(scriptPath: string): Promise<LoadedScript> {
  const file = path.resolve(scriptPath);
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw new RunnerError(`script '${scriptPath}' not found (give the path of a .ts or .js k6 script)`, EXIT.script);
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'loadlab-runner-'));
  const outfile = path.join(dir, 'script.cjs');
  const fail = (message: string): never => {
    rmSync(dir, { recursive: true, force: true });
    throw new RunnerError(message, EXIT.script);
  };
  let bundle: { code: string; map: string };
  try {
    bundle = await bundleScript(file, outfile);
  } catch (err) {
    const errors = (err as { errors?: Message[] }).errors;
    if (errors && errors.length > 0) {
      const first = errors[0];
      const kind =
        first.text.startsWith('unsupported k6 module') || first.text.startsWith('remote module')
          ? ''
          : 'cannot load script: ';
      fail(`${kind}${describe(first)}`);
    }
    fail(`cannot load script '${scriptPath}': ${(err as Error).message.split('\n')[0]}`);
  }
  const wrapped = makeBlockingCallsWait(bundle!.code, JSON.parse(bundle!.map), dir, BANNER, FOOTER);
  if ('refusal' in wrapped) return fail(wrapped.refusal);
  writeFileSync(
    outfile,
    `${wrapped.code}\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(wrapped.map).toString('base64')}\n`,
  );
  let factory: ScriptFactory;
  try {
    factory = factoryOf(outfile);
  } catch (err) {
    return fail(`cannot load script '${scriptPath}': ${(err as Error).message.split('\n')[0]}`);
  }
  return {
    file,
    bundle: outfile,
    factory,
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
