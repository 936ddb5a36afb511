import { SLO } from '../load/incident-script.ts';
import { fmtMs } from '../cli/format.ts';
import { judgeShape, shapeBandText } from '../load/collapse-shape.ts';
import type { PeriodName, PeriodResult, ProbeResult, ShapeCheck } from './types.ts';
import { CAUSE_LABEL, type DayDiagnosis, HOT_TENANT, NAMED_WITHIN_S, TENANT_SHARE } from './diagnose.ts';

/** "several times": the other shops' p95 while the hot shop's visitors tripled, against their normal p95 */
export const ACROSS_THE_BOARD = 3;
/** "back to normal": within this factor of the normal p95 */
export const NEAR_NORMAL = 2;
/** "still slow": the probe during the cut within this factor of the idle probe, either way (a shared machine's noise) */
export const SAME_SPEED = 2;

const ms = (n: number | null) => fmtMs(n) ?? 'n/a';
const x = (a: number | null, b: number | null) =>
  a !== null && b !== null && b > 0 ? Math.round((a / b) * 10) / 10 : null;

/**
 * The post-mortem's shape, checked on a run's own figures: what the issue calls done. Each check says its
 * figures, so a failed one tells what the machine did instead.
 */
export function shapeChecks(periods: PeriodResult[], probe: ProbeResult): ShapeCheck[] {
  const at = (name: PeriodName) => periods.find((p) => p.name === name);
  const normal = at('normal');
  const tripled = at('tripled');
  const cut = at('access-cut');
  const queue = at('queue');
  const disabled = at('shop-disabled');
  const fixed = at('fixed');
  const checks: ShapeCheck[] = [];
  const n = normal?.others.p95_ms ?? null;

  const t = tripled?.others.p95_ms ?? null;
  const r = x(t, n);
  checks.push({
    name: 'tripled: across the board',
    ok: r !== null && r >= ACROSS_THE_BOARD,
    detail: `others p95 ${ms(t)} vs ${ms(n)} normal (${r ?? 'n/a'}x, needs >= ${ACROSS_THE_BOARD}x)`,
  });

  // the hot shop's own visitors as the post-mortem saw them; its fix is the day's `fixed` period
  const hot = tripled?.hot;
  const collapse = judgeShape(
    { failed: hot?.failed_rate ?? null, mean_ms: hot?.mean_ms ?? null, overload: null },
    fixed?.hot.failed_rate,
  );
  checks.push({
    name: 'tripled: the hot shop as the post-mortem saw it',
    ok: collapse.reproduced,
    detail: `${collapse.reason.replace(/overload unknown, /, '')} (needs ${shapeBandText()})`,
  });

  const quiet = probe.db_quiet_after_s;
  const pr = x(probe.during_cut_ms, probe.baseline_ms);
  const cutOk =
    quiet !== null &&
    cut !== undefined &&
    quiet < cut.end_s - cut.start_s &&
    pr !== null &&
    pr <= SAME_SPEED &&
    pr >= 1 / SAME_SPEED;
  checks.push({
    name: 'access-cut: the database recovers, the query alone stays slow',
    ok: cutOk,
    detail: `no product-list query running ${quiet ?? 'n/a'} s after the cut; the old query alone ${ms(probe.during_cut_ms)} vs ${ms(probe.baseline_ms)} on the idle database before the day (${pr ?? 'n/a'}x, needs within ${SAME_SPEED}x)`,
  });

  const qo = queue?.others.p95_ms ?? null;
  const qh = queue?.hot.p95_ms ?? null;
  const th = tripled?.hot.p95_ms ?? null;
  const nh = normal?.hot.p95_ms ?? null;
  const between = (v: number | null, lo: number | null, hi: number | null) =>
    v !== null && lo !== null && hi !== null && v > lo && v < hi;
  checks.push({
    name: 'queue: better than tripled, worse than normal',
    ok: between(qo, n, t) && between(qh, nh, th),
    detail: `others p95 ${ms(n)} < ${ms(qo)} < ${ms(t)}; hot p95 ${ms(nh)} < ${ms(qh)} < ${ms(th)}`,
  });

  const d = disabled?.others.p95_ms ?? null;
  const dr = x(d, n);
  checks.push({
    name: 'shop-disabled: the others back near normal',
    ok: dr !== null && dr <= NEAR_NORMAL,
    detail: `others p95 ${ms(d)} vs ${ms(n)} normal (${dr ?? 'n/a'}x, needs <= ${NEAR_NORMAL}x)`,
  });

  const fixedOk = (fixed?.within_slo.hot && fixed.within_slo.others) === true;
  const groups = fixed
    ? (['hot', 'others'] as const)
        .map(
          (g) =>
            `${g} p95 ${ms(fixed[g].p95_ms)}, ${fixed[g].failed_rate === null ? 'n/a' : `${Math.round(fixed[g].failed_rate * 1000) / 10} %`} failed`,
        )
        .join('; ')
    : 'n/a';
  checks.push({
    name: 'fixed: every group within its SLO at tripled visitors',
    ok: fixedOk,
    detail: `${groups} (SLO: p95 < ${ms(SLO.p95Ms)}, < ${SLO.maxErrorRate * 100} % failed)`,
  });
  return checks;
}

/** The live diagnosis against the post-mortem's lesson: the cause and its tenant within a minute, no false alarm. */
export function diagnoseChecks(d: DayDiagnosis): ShapeCheck[] {
  const named = d.named;
  return [
    {
      name: `diagnose: the cause and its tenant named within ${NAMED_WITHIN_S} s of the tripling`,
      ok: named !== null && named.after_tripled_s <= NAMED_WITHIN_S,
      detail: named
        ? `${named.cause} with ${named.tenant} at ${Math.round(named.tenant_share * 100)} % of its active time, ${named.after_tripled_s} s after the tripling (needs <= ${NAMED_WITHIN_S} s and >= ${TENANT_SHARE * 100} %)`
        : `never named ${CAUSE_LABEL} with ${HOT_TENANT.organizer}/${HOT_TENANT.event} at >= ${TENANT_SHARE * 100} % (window ${d.window_s} s)`,
    },
    {
      name: 'diagnose: no cause named while the platform was healthy (normal, fixed)',
      ok: d.false_causes.length === 0,
      detail: d.false_causes.length
        ? `${d.false_causes.length} verdicts named a cause, first ${d.false_causes[0].cause} at ${d.false_causes[0].at_s} s (${d.false_causes[0].period})`
        : 'none of its verdicts in the normal and fixed periods named a cause',
    },
  ];
}
