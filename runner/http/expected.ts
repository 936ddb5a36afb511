/** What `http.expectedStatuses(...)` returns: the statuses a request may answer with and not count as failed. */
export class ExpectedStatuses {
  constructor(readonly ranges: readonly (readonly [number, number])[]) {}
  matches(status: number): boolean {
    for (const [lo, hi] of this.ranges) if (status >= lo && status <= hi) return true;
    return false;
  }
}

export type StatusSpec = number | { min: number; max: number };

export function expectedStatuses(...specs: StatusSpec[]): ExpectedStatuses {
  const ranges: [number, number][] = [];
  for (const s of specs) {
    if (typeof s === 'number' && Number.isInteger(s)) ranges.push([s, s]);
    else if (s && typeof s === 'object' && Number.isInteger(s.min) && Number.isInteger(s.max))
      ranges.push([s.min, s.max]);
    else throw new Error(`expectedStatuses: '${JSON.stringify(s)}' is not a status (accepted: integers or {min, max})`);
  }
  return new ExpectedStatuses(ranges);
}

export const DEFAULT_EXPECTED = new ExpectedStatuses([[200, 399]]);
