// The layout's rules, checked on the code itself: data flows one way (datasets -> database -> shop -> load ->
// stats -> report), scripts/ holds only commands, and no file or function grows past what a reader takes in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { projectRoot } from '../../harness/files/paths.ts';

const SOURCE_DIRS = ['common', 'datasets', 'shop', 'harness', 'runner', 'scripts', 'loadtests', 'bin'];
const MAX_FILE_LINES = 400;
// lines as the formatter writes them at 120 columns
const MAX_FUNCTION_LINES = 100;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...sourceFiles(full));
    else if (/\.(ts|js)$/.test(entry)) out.push(full);
  }
  return out;
}

const files = SOURCE_DIRS.flatMap((d) => sourceFiles(path.join(projectRoot, d))).map((f) =>
  path.relative(projectRoot, f),
);

function importsOf(file: string): string[] {
  const src = ts.createSourceFile(
    file,
    readFileSync(path.join(projectRoot, file), 'utf8'),
    ts.ScriptTarget.Latest,
    true,
  );
  const specs: string[] = [];
  const visit = (n: ts.Node) => {
    if (
      (ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) &&
      n.moduleSpecifier &&
      ts.isStringLiteral(n.moduleSpecifier)
    )
      specs.push(n.moduleSpecifier.text);
    if (
      ts.isCallExpression(n) &&
      n.expression.kind === ts.SyntaxKind.ImportKeyword &&
      n.arguments[0] &&
      ts.isStringLiteral(n.arguments[0])
    )
      specs.push(n.arguments[0].text);
    ts.forEachChild(n, visit);
  };
  visit(src);
  return specs
    .filter((s) => s.startsWith('.'))
    .map((s) => path.relative(projectRoot, path.resolve(projectRoot, path.dirname(file), s)));
}

const top = (file: string) => file.split(path.sep)[0];

test('imports run one way: no folder reaches up into the harness or the commands', () => {
  // what each top-level folder may import besides itself
  const allowed: Record<string, string[]> = {
    common: [],
    datasets: ['common'],
    shop: ['common', 'datasets'],
    runner: ['common'],
    loadtests: [],
    harness: ['common', 'datasets', 'shop', 'runner'],
    scripts: ['common', 'datasets', 'shop', 'harness', 'runner'],
    // the `loadlab` executable reaches the commands through the registry, by file name, never by import
    bin: ['common', 'harness'],
  };
  const bad: string[] = [];
  for (const f of files)
    for (const target of importsOf(f))
      if (top(target) !== top(f) && !allowed[top(f)].includes(top(target))) bad.push(`${f} -> ${target}`);
  assert.deepEqual(bad, []);
});

test('scripts/ holds only commands: one file per npm script, no sub-folders', () => {
  const pkg = JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const commands = new Set(Object.values(pkg.scripts).flatMap((s) => s.match(/scripts\/[\w-]+\.ts/g) ?? []));
  const inScripts = files.filter((f) => top(f) === 'scripts');
  assert.deepEqual(
    inScripts.filter((f) => f.split(path.sep).length !== 2),
    [],
    'no sub-folders',
  );
  assert.deepEqual(
    inScripts.filter((f) => !commands.has(f.split(path.sep).join('/'))),
    [],
    'every file is an npm command',
  );
});

test(`no source file over ${MAX_FILE_LINES} lines`, () => {
  const long = files
    .map((f) => ({ f, n: readFileSync(path.join(projectRoot, f), 'utf8').split('\n').length }))
    .filter((x) => x.n > MAX_FILE_LINES);
  assert.deepEqual(
    long.map((x) => `${x.f}: ${x.n} lines`),
    [],
  );
});

test(`no function over ${MAX_FUNCTION_LINES} lines`, () => {
  const long: string[] = [];
  for (const f of files) {
    const text = readFileSync(path.join(projectRoot, f), 'utf8');
    const src = ts.createSourceFile(f, text, ts.ScriptTarget.Latest, true);
    const visit = (n: ts.Node) => {
      if (ts.isFunctionLike(n) && 'body' in n && n.body) {
        const start = src.getLineAndCharacterOfPosition(n.getStart(src)).line;
        const end = src.getLineAndCharacterOfPosition(n.getEnd()).line;
        if (end - start + 1 > MAX_FUNCTION_LINES) {
          const name = n.name && ts.isIdentifier(n.name) ? n.name.text : '(anonymous)';
          long.push(`${f}:${start + 1} ${name}: ${end - start + 1} lines`);
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(src);
  }
  assert.deepEqual(long, []);
});

const graph = new Map(files.map((f) => [f, importsOf(f).filter((t) => files.includes(t))]));

/** strongly connected components of more than one file, or a file importing itself (Tarjan) */
function cycles(edges: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1 || (edges.get(v) ?? []).includes(v)) out.push(scc.sort());
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return out;
}

test('no import cycle between files, type-only imports included', () => {
  assert.deepEqual(cycles(graph), []);
});

// harness/ is a kit of shared parts and one folder per mode built from it
const KIT = ['process', 'files', 'db', 'stats', 'guard', 'cli', 'load', 'report'];
const harnessPart = (f: string) => (top(f) === 'harness' ? f.split(path.sep)[1] : undefined);

test('the harness kit imports no mode, and no mode imports another', () => {
  const bad: string[] = [];
  for (const [f, targets] of graph) {
    const from = harnessPart(f);
    if (from === undefined) continue;
    for (const t of targets) {
      const to = harnessPart(t);
      if (to === undefined || to === from || KIT.includes(to)) continue;
      bad.push(`${f} -> ${t} (${KIT.includes(from) ? 'kit' : 'mode'} ${from} -> mode ${to})`);
    }
  }
  assert.deepEqual(bad, []);
});

test('the kit folders import each other one way (no folder cycle)', () => {
  const folders = new Map<string, string[]>();
  for (const [f, targets] of graph) {
    const from = harnessPart(f);
    if (from === undefined || !KIT.includes(from)) continue;
    const list = folders.get(from) ?? [];
    for (const t of targets) {
      const to = harnessPart(t);
      if (to !== undefined && to !== from && KIT.includes(to) && !list.includes(to)) list.push(to);
    }
    folders.set(from, list);
  }
  assert.deepEqual(cycles(folders), []);
});
