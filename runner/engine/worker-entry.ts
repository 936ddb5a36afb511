// How the worker thread gets the engine's code. Worker threads do not inherit tsx's loader, and registering
// it in each thread and compiling the runner there again cost about a second per run on a busy machine; so the
// engine is bundled once per process (esbuild, packages left as imports) into node_modules/.cache, where those
// imports resolve as they do from runner/. Where that folder cannot be written, tsx's loader is the fallback.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

/** What `new Worker(...)` runs: a file, or code to evaluate. */
export interface WorkerEntry {
  code: string | URL;
  eval: boolean;
}

const source = fileURLToPath(new URL('./worker.ts', import.meta.url));
const cacheDir = path.resolve(path.dirname(source), '..', '..', 'node_modules', '.cache', 'loadlab-engine');
let entry: Promise<WorkerEntry> | undefined;

async function bundled(): Promise<WorkerEntry> {
  const out = await build({
    entryPoints: [source],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    write: false,
    logLevel: 'silent',
  });
  const code = out.outputFiles[0].text;
  // named by its content: processes that build the same engine share the file, and never half of one
  const file = path.join(cacheDir, `worker-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`);
  if (!existsSync(file)) {
    mkdirSync(cacheDir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, code);
    renameSync(tmp, file);
  }
  return { code: pathToFileURL(file), eval: false };
}

function throughTsx(): WorkerEntry {
  const url = pathToFileURL(source).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  return {
    code: `import(${JSON.stringify(tsx)}).then((t) => t.tsImport(${JSON.stringify(url)}, ${JSON.stringify(url)}))`,
    eval: true,
  };
}

export function workerEntry(): Promise<WorkerEntry> {
  entry ??= bundled().catch(() => throughTsx());
  return entry;
}
