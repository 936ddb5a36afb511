import type { SamplePlayed } from './play.ts';

export const GROWTH_SCHEMA = 'loadlab.growth/v1' as const;

export interface SizeRef {
  name: string;
  dates: number;
}

/**
 * flat: nothing to report; grows: work per call or per visitor grows with the dates; regressed: more work per
 * call or more calls per visitor than the baseline at some size; new: not in the baseline, and heavy enough
 * per visitor to be worth a reviewer's look.
 */
export type Verdict = 'flat' | 'grows' | 'regressed' | 'new';

/** what rose: the work of each call, or how often the visitors' pages call the statement (a loop) */
export type Reason = 'work-per-call' | 'calls-per-visitor';

/** one plan shape of a statement at one size, and how many of its executions used it */
export interface PlanCount {
  shape: string;
  calls: number;
}

/** a statement whose plan differs between two sizes, or from the baseline at one size */
export interface PlanChange {
  kind: 'sizes' | 'baseline';
  /** 'tiny' and 'small' for sizes; 'baseline' and the size's name for the baseline */
  from: string;
  to: string;
  /** the plan shapes on either side (every shape the statement's executions used there) */
  from_shapes: string[];
  to_shapes: string[];
}

/** Per size, in the order of `sizes`; null where the statement did not run at that size. */
export interface GrowthStatement {
  fingerprint: string;
  sql: string;
  /** the statement's first comment, when it carries a tag */
  label: string | null;
  calls: number[];
  work_per_call: (number | null)[];
  /** rows the statement returned per call (pg_stat_statements) */
  rows_per_call: (number | null)[];
  /** the parts of the work: rows its plans processed (null without plans), blocks touched, temp blocks */
  plan_rows_per_call: (number | null)[];
  blocks_per_call: (number | null)[];
  temp_blocks_per_call: (number | null)[];
  /** time per call, for orientation only: it moves with the machine's load, the verdict never reads it */
  ms_per_call: (number | null)[];
  /** slope of log(work per call) over log(dates): 1 = linear in the dates, 0 = flat; null if it ran at one size only */
  exponent: number | null;
  /** calls over the journey's visitors (0 where it did not run): the same visitors play at every size */
  calls_per_visitor: number[];
  /** all the statement's work over the journey's visitors (0 where it did not run) */
  work_per_visitor: number[];
  /** slope of log(work per visitor) over log(dates): catches a loop whose calls grow while each stays cheap */
  visitor_exponent: number | null;
  /** what grew or rose, for grows and regressed; null otherwise */
  reason: Reason | null;
  /** the baseline's figures at each size; null when the baseline lacks the statement or was not compared */
  baseline_work_per_call: (number | null)[] | null;
  baseline_calls_per_visitor: number[] | null;
  /** per size, the plan shapes its executions used, most used first; null without plans or where it did not run */
  plans: (PlanCount[] | null)[];
  /** plans that differ between sizes or from the baseline: a warning, never a failure by itself */
  plan_changes: PlanChange[];
  verdict: Verdict;
  allowed: string | null;
}

/** a statement the baseline has and this journey did not run */
export interface GoneStatement {
  fingerprint: string;
  label: string | null;
  sql: string;
}

export interface BaselineUse {
  file: string;
  /** whether the statements were compared with it (same variant, sizes, seed, visitors and measure) */
  compared: boolean;
  /** why not, in one line (null when compared) */
  note: string | null;
  /** this audit wrote the file afresh (--update-baseline) */
  updated: boolean;
}

/** growth.json (contract `loadlab.growth/v1`): per-size arrays are in the order of `sizes`. */
export interface GrowthReport {
  schema: typeof GROWTH_SCHEMA;
  variant: string;
  sizes: SizeRef[];
  seed: number;
  visitors: number;
  /** 'plans': work counts auto_explain's rows; 'statements': pg_stat_statements' blocks alone (see `note`) */
  measure: 'plans' | 'statements';
  note: string | null;
  thresholds: { max_exponent: number; min_work_increase: number; max_regression: number; min_new_work: number };
  /** what the journey did at each size */
  journey: SamplePlayed[];
  statements: GrowthStatement[];
  /** allow-list fingerprints no statement of this journey had */
  unused_allow: string[];
  baseline: BaselineUse | null;
  /** baseline statements this journey did not run (empty when not compared) */
  gone: GoneStatement[];
}

export interface GrowthThresholds {
  /** a statement grows when an exponent is above this... */
  maxExponent: number;
  /** ...and its work per call (or per visitor) rose by at least this much from the smallest size to the largest */
  minWorkIncrease: number;
  /** regressed: work per call or calls per visitor above the baseline's by more than this fraction (and the floor) */
  maxRegression: number;
  /** new: a statement the baseline lacks, with at least this much work per visitor at some size */
  minNewWork: number;
}

/**
 * Default thresholds. A statement that scans the series has an exponent near 1 (the product list before the
 * fix: 1.0); one that does not stays near 0 (after the fix: 0.02). 0.5 sits in the middle, far from both.
 * The floor keeps a statement of a handful of rows from "growing" when an index gains a level: one more
 * block per index descent is +50 % on a 2-block lookup. Against the baseline the counts repeat exactly, so
 * 25 % is a change in the code or the schema, never noise; the floor keeps BEGIN from "regressing". A new
 * statement below 100 rows and blocks per visitor is a lookup, not worth stopping a merge for.
 */
export const DEFAULT_THRESHOLDS: GrowthThresholds = {
  maxExponent: 0.5,
  minWorkIncrease: 50,
  maxRegression: 0.25,
  minNewWork: 100,
};
