// Which functions of a bundled k6 script must wait, and which of its calls must be awaited so that k6's
// blocking calls (http.get, sleep, ...) block the VU as they do on k6. See transform.ts for the why.
import type { Variable } from 'eslint-scope';
import type * as ESTree from 'estree';
import { ARRAY_METHODS } from './helpers.ts';
import { isFunction, unwrapSequence, type CallNode, type FunctionNode, type Node, type Syntax } from './syntax.ts';

/** The k6 functions that block a VU, by module. */
const BLOCKING: Record<string, string[]> = {
  k6: ['sleep', 'group'],
  'k6/http': ['get', 'post', 'put', 'patch', 'del', 'head', 'options', 'request', 'batch'],
};

export type CalleeKind =
  | { kind: 'k6'; name: string }
  | { kind: 'function'; fn: FunctionNode }
  | { kind: 'method'; name: string }
  | { kind: 'parameter'; owner: FunctionNode; index: number }
  | { kind: 'array'; name: string; receiver: Node }
  | { kind: 'other' };

export interface Analysis {
  /** functions that wait (made async unless the script already wrote them so) */
  waiting: Set<FunctionNode>;
  /** calls to await, with how their callee was recognised */
  awaited: Map<CallNode, CalleeKind>;
}

function propertyName(m: ESTree.MemberExpression): string | undefined {
  if (!m.computed && m.property.type === 'Identifier') return m.property.name;
  if (m.computed && m.property.type === 'Literal' && typeof m.property.value === 'string') return m.property.value;
  return undefined;
}

/** What the script's functions and calls are, resolved once; `waits` is then solved over them. */
export class Program {
  /** variables bound to `require('k6/...')`, by the module they hold */
  private readonly modules = new Map<Variable, string>();
  readonly callees = new Map<CallNode, CalleeKind>();
  /** functions reachable by a method name (object literal properties, class methods) */
  readonly methods = new Map<string, FunctionNode[]>();

  constructor(readonly syntax: Syntax) {
    for (const call of syntax.calls) this.noteModule(call);
    for (const fn of syntax.functions) this.noteMethod(fn);
    for (const call of syntax.calls) this.callees.set(call, this.classify(call));
  }

  private noteModule(call: CallNode): void {
    if (call.callee.type !== 'Identifier' || call.callee.name !== 'require') return;
    const arg = call.arguments[0];
    if (arg?.type !== 'Literal' || typeof arg.value !== 'string' || !(arg.value in BLOCKING)) return;
    let p = call.parent;
    if (p?.type === 'CallExpression') p = p.parent; // __toESM(require(...))
    if (p?.type === 'VariableDeclarator' && p.id.type === 'Identifier') {
      // a declarator with an initialiser is a write reference to its variable
      const v = this.syntax.variableOf(p.id);
      if (v) this.modules.set(v, arg.value);
    }
  }

  private noteMethod(fn: FunctionNode): void {
    const p = fn.parent;
    if (!p) return;
    let key: ESTree.Node | undefined;
    if (
      (p.type === 'Property' && p.value === fn) ||
      (p.type === 'MethodDefinition' && p.value === fn) ||
      (p.type === 'PropertyDefinition' && p.value === fn)
    )
      key = p.key;
    if (key?.type !== 'Identifier' || (p as ESTree.Property).computed) return;
    const list = this.methods.get(key.name) ?? [];
    list.push(fn);
    this.methods.set(key.name, list);
  }

  /** The function a variable always holds: declared as one, or bound once to one (or to another such variable). */
  functionOf(v: Variable | null, seen = new Set<Variable>()): FunctionNode | undefined {
    if (v?.defs.length !== 1 || seen.has(v)) return undefined;
    seen.add(v);
    const d = v.defs[0];
    if (d.type === 'FunctionName') return d.node as unknown as FunctionNode;
    if (d.type !== 'Variable') return undefined;
    const decl = d.node as ESTree.VariableDeclarator;
    if (decl.id.type !== 'Identifier' || v.references.filter((r) => r.isWrite()).length > 1) return undefined;
    const init = decl.init;
    if (isFunction(init)) return init;
    if (init?.type === 'Identifier') return this.functionOf(this.syntax.variableOf(init), seen);
    return undefined;
  }

  /** `http.get`, `http.default.get`, `sleep`: the blocking k6 function a callee names, if any. */
  private k6Function(callee: ESTree.Node): string | undefined {
    if (callee.type !== 'MemberExpression') return undefined;
    const name = propertyName(callee);
    let obj = callee.object;
    if (obj.type === 'MemberExpression' && propertyName(obj) === 'default') obj = obj.object;
    if (!name || obj.type !== 'Identifier') return undefined;
    const module = this.modules.get(this.syntax.variableOf(obj)!);
    return module !== undefined && BLOCKING[module].includes(name) ? name : undefined;
  }

  private classify(call: CallNode): CalleeKind {
    const callee = unwrapSequence(call.callee);
    const k6 = this.k6Function(callee);
    if (k6 !== undefined) return { kind: 'k6', name: k6 };
    if (callee.type === 'Identifier') {
      const v = this.syntax.variableOf(callee);
      const fn = this.functionOf(v);
      if (fn) return { kind: 'function', fn };
      const d = v?.defs.length === 1 ? v.defs[0] : undefined;
      if (d?.type === 'Parameter') {
        const owner = d.node as unknown as FunctionNode;
        const index = owner.params.findIndex((p) => p.type === 'Identifier' && p.name === callee.name);
        if (index >= 0) return { kind: 'parameter', owner, index };
      }
      return { kind: 'other' };
    }
    if (callee.type === 'MemberExpression') {
      const name = propertyName(callee);
      if (name === undefined) return { kind: 'other' };
      if (ARRAY_METHODS.includes(name) && call.arguments.length > 0)
        return { kind: 'array', name, receiver: callee.object as Node };
      return { kind: 'method', name };
    }
    if (isFunction(callee)) return { kind: 'function', fn: callee };
    return { kind: 'other' };
  }
}

/** The fixpoint: a function waits when one of its calls must be awaited, and a call must be when it reaches one. */
export class Solver {
  readonly waiting = new Set<FunctionNode>();
  /** parameters called inside their function and given a waiting function by some caller */
  private readonly waitingParams = new Map<FunctionNode, Set<number>>();
  readonly awaited = new Map<CallNode, CalleeKind>();

  constructor(private readonly p: Program) {}

  /** A function the transform makes async: the script's own async functions keep their meaning. */
  needsWait(fn: FunctionNode | undefined): boolean {
    return !!fn && this.waiting.has(fn) && !fn.async;
  }

  /** An expression that, when called, must be awaited. */
  waitsWhenCalled(e: ESTree.Node | undefined): boolean {
    if (!e) return false;
    if (isFunction(e)) return this.needsWait(e);
    if (e.type === 'Identifier') {
      const v = this.p.syntax.variableOf(e);
      if (this.needsWait(this.p.functionOf(v))) return true;
      const d = v?.defs.length === 1 ? v.defs[0] : undefined;
      if (d?.type === 'Parameter') {
        const owner = d.node as unknown as FunctionNode;
        const index = owner.params.findIndex((q) => q.type === 'Identifier' && q.name === e.name);
        return this.waitingParams.get(owner)?.has(index) ?? false;
      }
      return false;
    }
    if (e.type === 'MemberExpression') {
      const name = propertyName(e);
      return name !== undefined && this.methodWaits(name);
    }
    return false;
  }

  methodWaits(name: string): boolean {
    return (this.p.methods.get(name) ?? []).some((f) => this.needsWait(f));
  }

  private callWaits(call: CallNode, c: CalleeKind): boolean {
    switch (c.kind) {
      case 'k6':
        return c.name !== 'group' || this.waitsWhenCalled(call.arguments[1]);
      case 'function':
        return this.needsWait(c.fn);
      case 'method':
        return this.methodWaits(c.name);
      case 'parameter':
        return this.waitingParams.get(c.owner)?.has(c.index) ?? false;
      case 'array':
        return this.waitsWhenCalled(call.arguments[0]);
      case 'other':
        return false;
    }
  }

  /** Arguments that wait, given to the script's own functions, make those parameters' calls wait. */
  private passArguments(call: CallNode, c: CalleeKind): boolean {
    if (c.kind !== 'function') return false;
    let changed = false;
    call.arguments.forEach((a, i) => {
      if (!this.waitsWhenCalled(a)) return;
      const set = this.waitingParams.get(c.fn) ?? new Set<number>();
      if (set.has(i)) return;
      set.add(i);
      this.waitingParams.set(c.fn, set);
      changed = true;
    });
    return changed;
  }

  solve(): Analysis {
    for (let changed = true; changed; ) {
      changed = false;
      for (const [call, c] of this.p.callees) {
        if (this.passArguments(call, c)) changed = true;
        if (this.awaited.has(call) || !this.callWaits(call, c)) continue;
        this.awaited.set(call, c);
        const owner = this.p.syntax.enclosing(call);
        if (owner && !this.waiting.has(owner)) this.waiting.add(owner);
        changed = true;
      }
    }
    return { waiting: this.waiting, awaited: this.awaited };
  }
}
