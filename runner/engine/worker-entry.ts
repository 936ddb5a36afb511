// How the worker thread gets the engine's code. Worker threads do not inherit tsx's loader, and registering
// it in each thread and compiling the runner there again cost about a second per run on a busy machine; so the
// engine is bundled (esbuild, packages left as imports) into node_modules/.cache, where those imports resolve as
// they do from runner/, once per version of its sources. Where that folder cannot be written, tsx's loader is
// the fallback.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

/** What `new Worker(...)` runs: a file, or code to evaluate. */
export interface WorkerEntry {
  code: string | URL;
  eval: boolean;
  /** the bundle is plain JavaScript: without the process's `--import tsx`, the thread starts in a fraction */
  execArgv: string[] | undefined;
}

const source = fileURLToPath(new URL('./worker.ts', import.meta.url));
let entry: Promise<WorkerEntry> | undefined;

/** A digest of the engine's sources (runner/ and common/): the bundle is rebuilt only when one changes. */
function sourcesDigest(root: string): string {
  const hash = createHash('sha256');
  for (const dir of ['runner', 'common']) {
    const files = readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.ts'),
    );
    for (const f of files.sort()) hash.update(`${dir}/${f}\0`).update(readFileSync(path.join(root, dir, f)));
  }
  return hash.digest('hex').slice(0, 16);
}

async function bundled(): Promise<WorkerEntry> {
  const root = path.resolve(path.dirname(source), '..', '..');
  // named by its sources: processes that run the same engine share the file, and never see half of one
  const file = path.join(root, 'node_modules', '.cache', 'loadlab-engine', `worker-${sourcesDigest(root)}.mjs`);
  if (!existsSync(file)) {
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
    mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, out.outputFiles[0].text);
    renameSync(tmp, file);
  }
  return { code: pathToFileURL(file), eval: false, execArgv: [] };
}

function throughTsx(): WorkerEntry {
  const url = pathToFileURL(source).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  return {
    code: `import(${JSON.stringify(tsx)}).then((t) => t.tsImport(${JSON.stringify(url)}, ${JSON.stringify(url)}))`,
    eval: true,
    execArgv: undefined,
  };
}

export function workerEntry(): Promise<WorkerEntry> {
  entry ??= bundled().catch(() => throughTsx());
  return entry;
}
