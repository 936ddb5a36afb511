// The bundle's syntax tree as the analysis needs it: parents, the enclosing function of each call, and what
// each identifier refers to (eslint-scope).
import { parse } from 'acorn';
import { analyze, type Variable } from 'eslint-scope';
import type * as ESTree from 'estree';

export type Node = ESTree.Node & { start: number; end: number; parent: Node | null };
export type FunctionNode = (ESTree.FunctionDeclaration | ESTree.FunctionExpression | ESTree.ArrowFunctionExpression) &
  Node;
export type CallNode = ESTree.CallExpression & Node;

export function isFunction(n: ESTree.Node | null | undefined): n is FunctionNode {
  return (
    !!n && (n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression' || n.type === 'ArrowFunctionExpression')
  );
}

/** The function esbuild calls an import through: `(0, import_k6.sleep)(1)` -> `import_k6.sleep`. */
export function unwrapSequence<T extends ESTree.Node>(n: T): ESTree.Node {
  if (n.type === 'SequenceExpression' && n.expressions.length === 2 && n.expressions[0].type === 'Literal')
    return n.expressions[1];
  return n;
}

export interface Syntax {
  program: Node;
  functions: FunctionNode[];
  calls: CallNode[];
  /** every `throw` statement */
  throws: (ESTree.ThrowStatement & Node)[];
  /** the function a node's code runs in; null for the top level (k6's init context) */
  enclosing(n: Node): FunctionNode | null;
  /** the variable an identifier refers to, if the script declares it */
  variableOf(id: ESTree.Identifier): Variable | null;
  /** every reference to a variable except its declaration */
  readsOf(v: Variable): Node[];
  /** the variable a function declaration declares */
  declaredBy(fn: FunctionNode): Variable | null;
}

/** Sets parent links and collects functions and calls, in source order. */
function link(root: Node): Pick<Syntax, 'functions' | 'calls' | 'throws'> {
  const functions: FunctionNode[] = [];
  const calls: CallNode[] = [];
  const throws: Syntax['throws'] = [];
  const stack: [Node, Node | null][] = [[root, null]];
  while (stack.length > 0) {
    const [node, parent] = stack.pop()!;
    node.parent = parent;
    if (isFunction(node)) functions.push(node);
    else if (node.type === 'CallExpression') calls.push(node as CallNode);
    else if (node.type === 'ThrowStatement') throws.push(node as Syntax['throws'][number]);
    const children: Node[] = [];
    for (const key of Object.keys(node)) {
      if (key === 'parent' || key === 'loc') continue;
      const v = (node as unknown as Record<string, unknown>)[key];
      if (Array.isArray(v)) for (const c of v) if (c && typeof (c as Node).type === 'string') children.push(c as Node);
      if (v && typeof (v as Node).type === 'string') children.push(v as Node);
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push([children[i], node]);
  }
  return { functions, calls, throws };
}

export function syntaxOf(code: string): Syntax {
  const program = parse(code, {
    ecmaVersion: 'latest',
    sourceType: 'script',
    allowReturnOutsideFunction: true,
    ranges: true,
  }) as unknown as Node;
  const { functions, calls, throws } = link(program);
  const scopes = analyze(program as unknown as ESTree.Program, { ecmaVersion: 2022, sourceType: 'script' });
  const refs = new Map<ESTree.Node, Variable | null>();
  for (const scope of scopes.scopes)
    for (const r of scope.references) refs.set(r.identifier as ESTree.Node, r.resolved);
  return {
    program,
    functions,
    calls,
    throws,
    enclosing(n) {
      for (let p = n.parent; p !== null; p = p.parent) if (isFunction(p)) return p;
      return null;
    },
    variableOf: (id) => refs.get(id) ?? null,
    readsOf: (v) => v.references.filter((r) => r.isRead() || !r.isWrite()).map((r) => r.identifier as unknown as Node),
    declaredBy: (fn) =>
      scopes.getDeclaredVariables(fn as ESTree.Node).find((v) => v.defs.some((d) => d.type === 'FunctionName')) ?? null,
  };
}
