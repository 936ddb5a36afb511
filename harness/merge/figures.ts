// The merged incident run's figures per phase and endpoint: every instance's requests counted the one way every mode
// counts them (load/request-figures.ts). A phase is a scenario of the script, whichever instance ran it.
import { readLoadPoints, type LoadPoints } from '../load/k6-points.ts';
import { byName, requestFigures, type RequestFigures } from '../load/request-figures.ts';
import type { MergeRecord } from './record.ts';

const PHASES = ['baseline', 'ramp', 'tripled'];

/** the incident's phases in the order they run, then any other scenario by name */
export function phaseOrder(a: string, b: string): number {
  return (PHASES.indexOf(a) + 1 || 99) - (PHASES.indexOf(b) + 1 || 99) || a.localeCompare(b);
}

/** Every instance's request, drop and iteration points in one set, as if one instance had run the whole test. */
export async function readMergedPoints(record: MergeRecord): Promise<LoadPoints> {
  const all: LoadPoints = { requests: [], dropped: [], iterations: [], custom: {} };
  for (const inst of record.instances) {
    const points = await readLoadPoints(inst.file);
    // pushed one by one: a spread of a long run's points would exceed the call stack
    for (const r of points.requests) all.requests.push(r);
    for (const d of points.dropped) all.dropped.push(d);
    for (const i of points.iterations) all.iterations.push(i);
  }
  return all;
}

export interface MergedPhase {
  name: string;
  requests: RequestFigures;
  dropped: number;
  endpoints: [string, RequestFigures][];
}

export interface MergedIncident {
  phases: MergedPhase[];
}

/** Per phase (the script's scenarios) and endpoint, over every instance's requests. */
export function mergedIncidentFigures(points: LoadPoints): MergedIncident {
  const dropped = new Map<string, number>();
  for (const d of points.dropped) dropped.set(d.scenario, (dropped.get(d.scenario) ?? 0) + d.value);
  const byScenario = new Map<string, LoadPoints['requests']>();
  for (const r of points.requests) {
    const list = byScenario.get(r.scenario);
    if (list) list.push(r);
    else byScenario.set(r.scenario, [r]);
  }
  return {
    phases: [...byScenario.keys()].sort(phaseOrder).map((name) => {
      const mine = byScenario.get(name) ?? [];
      return {
        name,
        requests: requestFigures(mine),
        dropped: dropped.get(name) ?? 0,
        endpoints: byName(mine).map(([n, list]) => [n, requestFigures(list)] as [string, RequestFigures]),
      };
    }),
  };
}
