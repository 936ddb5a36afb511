import path from 'node:path';

/** `file:line:col` of the first stack frame inside the user's script (not the runner, not node). */
export function scriptLocation(stack: string | undefined, scriptFile: string): string | undefined {
  if (!stack) return undefined;
  const dir = path.dirname(scriptFile);
  for (const line of stack.split('\n').slice(1)) {
    const m = /\(?((?:file:\/\/)?\/[^()]+?):(\d+):(\d+)\)?\s*$/.exec(line);
    if (!m) continue;
    const f = m[1].replace(/^file:\/\//, '');
    if (f.includes('/node_modules/') || f.endsWith('script.cjs')) continue;
    if (f.startsWith(dir) || f.endsWith('.ts')) {
      if (f.includes(`${path.sep}runner${path.sep}`) && !f.startsWith(dir)) continue;
      return `${path.relative(process.cwd(), f) || f}:${m[2]}:${m[3]}`;
    }
  }
  return undefined;
}
