// The harness starts its children (the shop, the runner, the task workers) as plain JavaScript: each entry is
// bundled once with esbuild (packages left as imports) and reused while none of its sources changes. Started
// through tsx's loader instead, every child compiled and resolved each of its modules again, about a second of
// CPU per start on this machine, and a run starts dozens of children.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build as esbuild, type Plugin } from 'esbuild';
import { projectRoot } from '../files/paths.ts';

/**
 * Under node_modules, so the bundle's package imports resolve as they do from the sources; the entry's own path
 * stays in the file's name, so a process list still shows (and tests still find) `scripts/shop.ts`.
 */
const cacheDir = path.join(projectRoot, 'node_modules', '.cache', 'loadlab-entries');

/**
 * Each source keeps its own import.meta.url (the bundle has one location, the sources many), so files found
 * relative to a module (uPlot, seed data, the project root) are found where they are.
 */
const ownModuleUrl: Plugin = {
  name: 'own-module-url',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      // (an installed package's own sources are under a node_modules folder too: only ours are bundled)
      if (path.relative(projectRoot, args.path).split(path.sep)[0] === 'node_modules') return undefined;
      const text = readFileSync(args.path, 'utf8');
      const url = JSON.stringify(pathToFileURL(args.path).href);
      return { contents: text.replace(/\bimport\.meta\.url\b/g, url), loader: 'ts' };
    });
  },
};

/** the sources a build read, each with its size and time: the bundle stands while these are unchanged */
function stamp(inputs: string[]): string | undefined {
  const hash = createHash('sha256');
  for (const rel of inputs) {
    const file = path.join(projectRoot, rel);
    if (!existsSync(file)) return undefined;
    const st = statSync(file);
    hash.update(`${rel}\0${st.size}\0${st.mtimeMs}\0`);
  }
  return hash.digest('hex').slice(0, 16);
}

function writeAtomically(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } finally {
    rmSync(tmp, { force: true });
  }
}

async function build(entry: string, inputsFile: string): Promise<string> {
  const absolute = path.join(projectRoot, entry);
  const out = await esbuild({
    entryPoints: [absolute],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [ownModuleUrl],
    // the command sees the path it was started for (runCommand runs a command only in its own entry file)
    banner: { js: `process.argv[1] = ${JSON.stringify(absolute)};` },
  });
  const inputs = Object.keys(out.metafile.inputs)
    .map((p) => path.relative(projectRoot, path.resolve(p)))
    .filter((p) => !p.startsWith(`node_modules${path.sep}`))
    .sort();
  const key = stamp(inputs);
  if (!key) throw new Error(`a source of ${entry} went away during its build`);
  const file = path.join(cacheDir, key, `${entry}.mjs`);
  writeAtomically(file, out.outputFiles[0].text);
  writeAtomically(inputsFile, JSON.stringify(inputs));
  return file;
}

const built = new Map<string, Promise<string | null>>();
const ready = new Map<string, string | null>();

async function bundleOf(entry: string): Promise<string | null> {
  try {
    const inputsFile = path.join(cacheDir, `${entry}.inputs.json`);
    const inputs = existsSync(inputsFile) ? (JSON.parse(readFileSync(inputsFile, 'utf8')) as string[]) : undefined;
    const key = inputs && stamp(inputs);
    const cached = key && path.join(cacheDir, key, `${entry}.mjs`);
    return cached && existsSync(cached) ? cached : await build(entry, inputsFile);
  } catch {
    return null;
  }
}

/**
 * Finds or builds the bundle to start `entry` (a path under the project, e.g. `scripts/shop.ts`) from; where it
 * cannot be built or written (a read-only install), tsx's loader will run the sources.
 */
export async function prepareEntry(entry: string): Promise<void> {
  let p = built.get(entry);
  if (!p) {
    p = bundleOf(entry);
    built.set(entry, p);
  }
  ready.set(entry, await p);
}

/** the bundle prepareEntry found for `entry`, or null (not prepared, or not buildable here) */
export function compiledEntry(entry: string): string | null {
  return ready.get(entry) ?? null;
}

/** node's arguments before the command's own: the entry's bundle (after prepareEntry), else its source via tsx */
export function nodeArgsOf(entry: string): string[] {
  const bundle = compiledEntry(entry);
  return bundle ? [bundle] : ['--import', 'tsx', path.join(projectRoot, entry)];
}

/** whether a process argument is `entry` started from its source or from its bundle */
export function startsEntry(arg: string, entry: string): boolean {
  return arg.endsWith(entry) || arg.endsWith(`${entry}.mjs`);
}
