// Where the transform cannot make a waiting function's callers wait, the script is refused in one line that
// names the place: never a run that silently differs from k6.
import type { Variable } from 'eslint-scope';
import type * as ESTree from 'estree';
import type { Program, Solver } from './analysis.ts';
import { isFunction, unwrapSequence, type FunctionNode, type Node } from './syntax.ts';

export type Where = (n: Node) => string;

function isExportGetter(arrow: Node): boolean {
  // esbuild's `__export(exports, { default: () => main_default })`
  const call = arrow.parent?.parent?.parent;
  return (
    arrow.parent?.type === 'Property' &&
    call?.type === 'CallExpression' &&
    call.callee.type === 'Identifier' &&
    call.callee.name === '__export'
  );
}

function isModuleExport(target: ESTree.Node): boolean {
  if (target.type === 'Identifier') return target.name === 'exports';
  if (target.type !== 'MemberExpression') return false;
  const o = target.object;
  return (o.type === 'Identifier' && (o.name === 'exports' || o.name === 'module')) || isModuleExport(o);
}

function isTimer(callee: ESTree.Node): boolean {
  const c = unwrapSequence(callee);
  const name =
    c.type === 'Identifier'
      ? c.name
      : c.type === 'MemberExpression' && c.property.type === 'Identifier'
        ? c.property.name
        : '';
  return name === 'setTimeout' || name === 'setInterval';
}

function nameOf(fn: FunctionNode): string {
  if (fn.type !== 'ArrowFunctionExpression' && fn.id) return `'${fn.id.name}'`;
  const p = fn.parent;
  if (p?.type === 'VariableDeclarator' && p.id.type === 'Identifier') return `'${p.id.name}'`;
  if ((p?.type === 'Property' || p?.type === 'MethodDefinition') && p.key.type === 'Identifier')
    return `'${p.key.name}'`;
  return 'a function';
}

export class Refusals {
  constructor(
    private readonly p: Program,
    private readonly s: Solver,
    private readonly where: Where,
  ) {}

  /** The first reason the script cannot be made to wait, or undefined. */
  first(): string | undefined {
    for (const [call] of this.s.awaited) {
      if (this.p.syntax.enclosing(call) === null)
        return `${this.where(call)}: this call waits (an HTTP request or sleep), which k6 does not allow in the init context; move it into a function such as setup() or the default function`;
      const place = this.unawaitable(call);
      if (place)
        return `${this.where(call)}: this call waits (an HTTP request or sleep) in ${place}, where JavaScript cannot await; move it into the function's body`;
    }
    for (const fn of this.s.waiting) {
      if (fn.async) continue;
      const why = this.shape(fn) ?? this.uses(fn);
      if (why)
        return `${why} (${nameOf(fn)} waits on an HTTP request or sleep; call it directly, or write this part with async/await)`;
    }
    return undefined;
  }

  /** A default parameter value or a class field between a call and its function: no await is allowed there. */
  private unawaitable(call: Node): string | undefined {
    const fn = this.p.syntax.enclosing(call);
    let child: Node = call;
    for (let p = call.parent; p !== null && p !== fn; child = p, p = p.parent) {
      if (p.type === 'PropertyDefinition' && p.value === child) return 'a class field';
      if (p.type === 'StaticBlock') return 'a static block';
    }
    if (fn?.params.some((q) => (q as Node).start <= call.start && call.end <= (q as Node).end))
      return 'a default parameter value';
    return undefined;
  }

  /** Functions that cannot become async. */
  private shape(fn: FunctionNode): string | undefined {
    const p = fn.parent;
    if (fn.generator) return `${this.where(fn)}: a generator cannot wait`;
    if (p?.type === 'MethodDefinition' && p.kind !== 'method')
      return `${this.where(fn)}: a ${p.kind === 'constructor' ? 'constructor' : `${p.kind}ter`} cannot wait`;
    if (p?.type === 'Property' && p.kind !== 'init') return `${this.where(fn)}: a ${p.kind}ter cannot wait`;
    return undefined;
  }

  /** A use of a waiting function its caller cannot be made to await. */
  private uses(fn: FunctionNode): string | undefined {
    const p = fn.parent;
    if (fn.type === 'FunctionDeclaration') return this.readsOf(this.p.syntax.declaredBy(fn));
    if (p?.type === 'VariableDeclarator' && p.init === fn && p.id.type === 'Identifier')
      return this.readsOf(this.p.syntax.variableOf(p.id));
    return this.use(fn);
  }

  private readsOf(v: Variable | null, seen = new Set<Variable>()): string | undefined {
    if (!v || seen.has(v)) return undefined;
    seen.add(v);
    for (const r of this.p.syntax.readsOf(v)) {
      const why = this.use(r, seen);
      if (why) return why;
    }
    return undefined;
  }

  private use(u: Node, seen = new Set<Variable>()): string | undefined {
    const p = u.parent;
    if (!p) return undefined;
    if (p.type === 'SequenceExpression' && unwrapSequence(p) === u) return this.use(p, seen);
    if (p.type === 'CallExpression' || p.type === 'NewExpression') {
      if (p.callee === u) return p.type === 'NewExpression' ? `${this.where(u)}: 'new' cannot wait` : undefined;
      const index = p.arguments.indexOf(u as ESTree.Expression);
      const c = this.p.callees.get(p as never);
      if (
        c?.kind === 'function' ||
        (c?.kind === 'k6' && c.name === 'group' && index === 1) ||
        (c?.kind === 'array' && index === 0)
      )
        return undefined;
      // a timer's callback may wait: the timer holds the iteration until its promise settles (k6/globals.ts)
      if (index === 0 && isTimer(p.callee)) return undefined;
      return `${this.where(u)}: passed to a function the runner cannot make wait`;
    }
    if (p.type === 'Property' || p.type === 'MethodDefinition' || p.type === 'PropertyDefinition') return undefined;
    if (p.type === 'VariableDeclarator' && p.init === u && p.id.type === 'Identifier')
      return this.readsOf(this.p.syntax.variableOf(p.id), seen);
    if (p.type === 'ArrowFunctionExpression' && p.body === u && isExportGetter(p)) return undefined;
    if (p.type === 'AssignmentExpression' && p.right === u && isModuleExport(p.left)) return undefined;
    if (isFunction(u) && p.type === 'ExpressionStatement') return undefined;
    return `${this.where(u)}: used as a value the runner cannot follow`;
  }
}
