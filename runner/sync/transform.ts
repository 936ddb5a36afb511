/**
 * Synchronous k6 scripts on one Node event loop.
 *
 * On k6 each VU is its own JavaScript engine, so `http.get()` and `sleep()` simply block it. Here all VUs
 * share one event loop, so those calls return promises. Rather than ask users to rewrite their scripts with
 * `await`, the loader rewrites the bundle: every call that blocks on k6 (http.get/post/.../batch/request,
 * sleep, and group() around them) is awaited, every function that makes such a call becomes async, and so
 * does every call of such a function, through group callbacks, loops, array callbacks (run one element after
 * another) and functions passed as arguments, until nothing changes. Awaited calls use the function's waiting
 * version (`fn[__k6sync.W]`); a blocking call reached some other way (an alias the analysis did not follow)
 * hands back a promise that throws, naming the call, when the script reads its result. Where a waiting
 * function is used in a way its caller cannot be made to await (a sort comparator, a constructor, the init
 * context), the script is refused at load time with the place named.
 *
 * Why not one small engine per VU with host calls that suspend (an asyncified QuickJS from npm), which is
 * what k6 does with goja? Prototyped on a 2-core machine: 50 VUs made 11,600 requests/s against 35,700/s
 * for plain Node with the same HTTP client in the same conditions, 1,000 VUs took 18 s to initialise (an
 * asyncified WebAssembly instance can hold one suspended stack, so each VU needs its own instance) and held
 * 577 MB; every k6 object would also cross the WebAssembly boundary. The transform keeps V8's speed and the
 * awaited style's memory per VU, and the awaited style keeps working unchanged.
 */
import remapping from '@jridgewell/remapping';
import { originalPositionFor, TraceMap, type SourceMapInput } from '@jridgewell/trace-mapping';
import MagicString from 'magic-string';
import path from 'node:path';
import { Program, Solver, type Analysis } from './analysis.ts';
import { Refusals } from './refusals.ts';
import { syntaxOf, unwrapSequence, type FunctionNode, type Node, type Syntax } from './syntax.ts';

export interface Wrapped {
  code: string;
  /** the composed source map: bundle lines map back to the script's own files */
  map: string;
}

/** An insertion that encloses [start, end): opened before start, closed at end, outer ones first. */
interface Wrap {
  start: number;
  end: number;
  open: string;
  close: string;
  /** among wraps of the same range, the lower encloses the higher */
  depth: number;
}

/** Where `async ` goes: before the method name of `m() {}`, else before the function. */
function asyncPosition(fn: FunctionNode, code: string): number {
  const p = fn.parent;
  if ((p?.type === 'MethodDefinition' || (p?.type === 'Property' && p.method)) && p.value === fn) {
    const key = p.key as Node;
    return p.computed ? code.lastIndexOf('[', key.start) : key.start;
  }
  return fn.start;
}

function callWraps(analysis: Analysis, s: MagicString): Wrap[] {
  const wraps: Wrap[] = [];
  for (const [call, c] of analysis.awaited) {
    const awaitedAlready = call.parent?.type === 'AwaitExpression';
    const open = awaitedAlready ? '' : '(await ';
    const close = awaitedAlready ? '' : ')';
    if (c.kind === 'k6') s.appendLeft((unwrapSequence(call.callee) as Node).end, '[__k6sync.W]');
    if (c.kind === 'array') {
      const r = c.receiver;
      wraps.push({ start: call.start, end: call.end, open, close, depth: 2 });
      wraps.push({ start: r.start, end: r.end, open: '__k6sync.seq(', close: ')', depth: 1 });
    } else if (open) wraps.push({ start: call.start, end: call.end, open, close, depth: 2 });
  }
  return wraps;
}

function applyWraps(wraps: Wrap[], s: MagicString): void {
  const opens = [...wraps].sort((a, b) => a.start - b.start || b.end - a.end || a.depth - b.depth);
  for (const w of opens) s.appendLeft(w.start, w.open);
  const closes = [...wraps].sort((a, b) => a.end - b.end || b.start - a.start || b.depth - a.depth);
  for (const w of closes) s.appendLeft(w.end, w.close);
}

/** `file:line:col` of a bundle node in the script's own sources. */
function locator(code: string, map: TraceMap, dir: string): (n: Node) => string {
  return (n) => {
    const before = code.slice(0, n.start);
    const line = before.split('\n').length;
    const column = n.start - before.lastIndexOf('\n') - 1;
    const o = originalPositionFor(map, { line, column });
    if (o.source === null) return `line ${line}`;
    return `${path.relative(process.cwd(), path.resolve(dir, o.source))}:${o.line}:${(o.column ?? 0) + 1}`;
  };
}

/** k6 calls the runner does not make: refused at load with their place, never a failure mid-run */
const UNSUPPORTED: Record<string, string> = {
  submitForm:
    'Response.submitForm() is not supported by this runner; post the form with http.post() (res.html() reads its fields)',
  clickLink:
    "Response.clickLink() is not supported by this runner; follow the link with http.get(res.html().find('a').attr('href'))",
};

function unsupportedCall(calls: Syntax['calls'], locate: (n: Node) => string, code: string): string | undefined {
  const ntlm = /\bauth\s*:\s*(['"])ntlm\1/.exec(code);
  if (ntlm !== null)
    return `${locate({ start: ntlm.index } as Node)}: Params.auth 'ntlm' is not supported by this runner (accepted: 'basic' and 'digest')`;
  for (const c of calls) {
    const callee = c.callee;
    if (callee.type !== 'MemberExpression' || callee.property.type !== 'Identifier') continue;
    const why = UNSUPPORTED[callee.property.name];
    if (why !== undefined) return `${locate(c as Node)}: ${why}`;
  }
  return undefined;
}

/**
 * Rewrites an esbuild bundle (CommonJS, k6 modules left as `require`) so its blocking calls wait, and wraps
 * it in `banner`/`footer`. Returns the refusal as a message when the script cannot be run so.
 */
export function makeBlockingCallsWait(
  code: string,
  map: SourceMapInput,
  dir: string,
  banner: string,
  footer: string,
): Wrapped | { refusal: string } {
  const syntax = syntaxOf(code);
  const program = new Program(syntax);
  const solver = new Solver(program);
  const analysis = solver.solve();
  const locate = locator(code, new TraceMap(map), dir);
  const refusal = new Refusals(program, solver, locate).first() ?? unsupportedCall(syntax.calls, locate, code);
  if (refusal) return { refusal };
  const s = new MagicString(code);
  for (const fn of analysis.waiting) if (!fn.async) s.appendLeft(asyncPosition(fn, code), 'async ');
  const wraps = callWraps(analysis, s);
  // `throw 'text'` carries no stack: the helper notes where it was thrown, so the error can name the line
  for (const t of syntax.throws) {
    const arg = t.argument as Node;
    if (arg.type !== 'NewExpression')
      wraps.push({ start: arg.start, end: arg.end, open: '__k6sync.thrown(', close: ')', depth: 0 });
  }
  applyWraps(wraps, s);
  s.prepend(`${banner}\n`);
  s.append(`\n${footer}`);
  const edits = s.generateMap({ hires: true, source: 'bundle.js', includeContent: false });
  const composed = remapping(edits.toString(), (file) => (file === 'bundle.js' ? (map as never) : null));
  return { code: s.toString(), map: composed.toString() };
}
