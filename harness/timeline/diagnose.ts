/**
 * The live diagnosis beside the incident day: the same watch `npm run diagnose` runs, on the day's database, its
 * lines in the run folder (diagnosis.ndjson, diagnosis.md). Afterwards its verdicts are set on the day's clock:
 * when it first named the cause and the hot shop as its tenant, and whether it named any cause while the
 * platform was healthy.
 */
import { z } from 'zod';
import { statementName, tenantName } from '../stats/live/advice.ts';
import type { DiagnoseLine } from '../stats/live/types.ts';
import { watchDiagnosis, type DiagnosisHandle } from '../stats/live/watch.ts';

/** the bar: the cause and the tenant named within a minute of the visitors tripling */
export const NAMED_WITHIN_S = 60;
/** the hot shop's share of the cause's active time for "the tenant" to count as named */
export const TENANT_SHARE = 0.75;
export const CAUSE_LABEL = 'product-list:before';
export const HOT_TENANT = { organizer: 'citymuseum', event: 'timeslots' };

const num = z.number();
export const dayVerdictSchema = z.object({
  t_s: num,
  state: z.enum(['quiet', 'busy', 'stressed']),
  running_avg: num,
  /** the cause's name (its naming comment, or its SQL cut short); null when none was named */
  cause: z.string().nullable(),
  /** the cause's first tenant, as organizer/event, and its share of the cause's active time */
  tenant: z.string().nullable(),
  tenant_share: num.nullable(),
  /** the platform's server this verdict is about (the one carrying the load); absent with one server */
  server: z.string().optional(),
});
export type DayVerdict = z.infer<typeof dayVerdictSchema>;

export const dayDiagnosisSchema = z.object({
  window_s: num,
  interval_s: num,
  /** when the cause and the hot shop were first named together, seconds since the day started and since the tripling */
  named: z
    .object({ at_s: num, after_tripled_s: num, cause: z.string(), tenant: z.string(), tenant_share: num })
    .nullable(),
  /** causes named in a period where the platform was healthy (normal, fixed): none is right */
  false_causes: z.array(z.object({ period: z.string(), at_s: num, cause: z.string() })),
});
export type DayDiagnosis = z.infer<typeof dayDiagnosisSchema>;

export interface DayWatch {
  handle: DiagnosisHandle;
  lines: DiagnoseLine[];
  windowS: number;
  intervalS: number;
}

/** A window shorter than a quick day's periods, so a verdict in a period can speak of that period alone. */
export async function watchTheDay(
  urls: string[],
  dir: string,
  quick: boolean,
  say: (l: string) => void,
): Promise<DayWatch> {
  const lines: DiagnoseLine[] = [];
  const windowS = quick ? 6 : 60;
  const intervalS = 1;
  const handle = await watchDiagnosis({
    urls,
    intervalS,
    windowS,
    out: dir,
    onLine: (line) => void lines.push(line),
    onNote: (line) => say(`diagnose: ${line}`),
  });
  return { handle, lines, windowS, intervalS };
}

const tenantOf = (tags: Record<string, string>) =>
  tags.organizer && tags.event ? `${tags.organizer}/${tags.event}` : tenantName({ tags, share: 0 });

/** One server's verdict on the day's clock; `names` turns diagnose's host:port/db into the platform's names. */
export function serverVerdict(
  l: DiagnoseLine,
  s: DiagnoseLine['servers'][number],
  startAtMs: number,
  names?: Map<string, string>,
): DayVerdict {
  const top = s.cause?.tenants[0];
  return {
    t_s: Math.round((Date.parse(l.at) - startAtMs) / 100) / 10,
    state: s.state,
    running_avg: Math.round(s.running_avg * 100) / 100,
    cause: s.cause ? statementName(s.cause) : null,
    tenant: top ? tenantOf(top.tags) : null,
    tenant_share: top ? Math.round(top.share * 1000) / 1000 : null,
    ...(names ? { server: names.get(s.name) ?? s.name } : {}),
  };
}

/**
 * One verdict per interval on the day's clock. With several servers, the one about the server carrying the load:
 * the one naming a cause, else the one with the most statements running.
 */
export function dayVerdicts(lines: DiagnoseLine[], startAtMs: number, names?: Map<string, string>): DayVerdict[] {
  return lines.flatMap((l) => {
    const busiest = [...l.servers].sort(
      (a, b) => Number(b.cause !== null) - Number(a.cause !== null) || b.running_avg - a.running_avg,
    )[0];
    return busiest ? [serverVerdict(l, busiest, startAtMs, names)] : [];
  });
}

export function dayDiagnosis(
  verdicts: DayVerdict[],
  periods: { name: string; start_s: number; end_s: number }[],
  w: Pick<DayWatch, 'windowS' | 'intervalS'>,
): DayDiagnosis {
  const tripled = periods.find((p) => p.name === 'tripled');
  const hot = `${HOT_TENANT.organizer}/${HOT_TENANT.event}`;
  const first = verdicts.find(
    (v) =>
      tripled !== undefined &&
      v.t_s >= tripled.start_s &&
      v.cause?.includes(CAUSE_LABEL) === true &&
      v.tenant === hot &&
      (v.tenant_share ?? 0) >= TENANT_SHARE,
  );
  const healthy = periods.filter((p) => p.name === 'normal' || p.name === 'fixed');
  return {
    window_s: w.windowS,
    interval_s: w.intervalS,
    named:
      first && tripled
        ? {
            at_s: first.t_s,
            after_tripled_s: Math.round((first.t_s - tripled.start_s) * 10) / 10,
            cause: first.cause!,
            tenant: first.tenant!,
            tenant_share: first.tenant_share!,
          }
        : null,
    // a verdict speaks of its window: one whose window began before the period (the stress before the fix, still
    // in the window's counters) says nothing about the period; normal's first window starts before the day, idle
    false_causes: verdicts.flatMap((v) => {
      const p = healthy.find(
        (h) => v.t_s >= h.start_s && v.t_s < h.end_s && (h.name === 'normal' || v.t_s - w.windowS >= h.start_s),
      );
      return p && v.cause ? [{ period: p.name, at_s: v.t_s, cause: v.cause }] : [];
    }),
  };
}
