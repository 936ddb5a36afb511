import { z } from 'zod';

/**
 * The diagnosis as summary.json carries it (its `diagnosis` key, per variant). The schema gives the types the
 * diagnosis is built with and the check a re-render reads them back with.
 */
const numOrNull = z.number().nullable();

/** A figure at the baseline phase and at the peak phase (null where the statement did not run). */
export const atBaseAndPeakSchema = z.object({ baseline: numOrNull, peak: numOrNull });
export type AtBaseAndPeak = z.infer<typeof atBaseAndPeakSchema>;

export const diagnosedStatementSchema = z.object({
  fingerprint: z.string(),
  /** the statement's tag (its first comment), if it has one */
  label: z.string().nullable(),
  /** one line of its SQL */
  sql: z.string(),
  /** share of the database's work in each phase, 0..1 */
  share: z.record(z.string(), z.number()),
  calls: z.record(z.string(), z.number()),
  work_per_call: atBaseAndPeakSchema,
  /** temp blocks written, as EXPLAIN reports them (work counts them read and written) */
  temp_written_per_call: atBaseAndPeakSchema,
  ms_per_call: atBaseAndPeakSchema,
  role: z.enum(['cause', 'symptom']).nullable(),
  /** the evidence for the role, in words */
  why: z.string().nullable(),
});
export type DiagnosedStatement = z.infer<typeof diagnosedStatementSchema>;

export const variantDiagnosisSchema = z.object({
  baseline_phase: z.string(),
  peak_phase: z.string(),
  /** the database's work per phase (blocks + temp blocks of every statement), and how busy it was: the
   * statements' time over the phase's length, i.e. how many ran at once on average (null: length unknown) */
  phases: z.array(z.object({ name: z.string(), work: z.number(), statements: z.number(), busy: numOrNull })),
  /** every statement, by share of the work at the peak (then at baseline) */
  statements: z.array(diagnosedStatementSchema),
  /** one line: the cause and the symptoms, or why none is named */
  verdict: z.string(),
});
export type VariantDiagnosis = z.infer<typeof variantDiagnosisSchema>;
