// The summary's checks live in the group tree (k6's root_group); a merge rebuilds it from the `checks` samples,
// whose `group` tag is the group path (`::a::b`) and `check` tag the check's name.
import type { Runtime } from '../runtime.ts';
import { md5 } from '../tags.ts';

export function countCheck(rt: Runtime, groupPath: string, name: string, value: number): void {
  let parent = '';
  for (const part of groupPath.split('::').slice(1)) {
    const p = `${parent}::${part}`;
    rt.group(p, part, parent);
    parent = p;
  }
  const group = rt.groupNode(groupPath);
  let node = group.checks.get(name);
  if (!node) {
    const p = `${groupPath}::${name}`;
    node = { name, path: p, id: md5(p), passes: 0, fails: 0 };
    group.checks.set(name, node);
  }
  if (value !== 0) node.passes++;
  else node.fails++;
}
