/** How many test files run at a time unless LOADLAB_TEST_CONCURRENCY says otherwise (test/run.ts). */
export const DEFAULT_CONCURRENCY = 4;

/** LOADLAB_TEST_CONCURRENCY as a number, or undefined when it is not a whole number from 1 to 16. */
export function testConcurrency(raw = process.env.LOADLAB_TEST_CONCURRENCY): number | undefined {
  const n = Number(raw ?? DEFAULT_CONCURRENCY);
  return Number.isInteger(n) && n >= 1 && n <= 16 ? n : undefined;
}

/**
 * A test's timeout, which is there to catch a hang: its time alone on the machine times the files running beside
 * it, since on two cores each of them can take that much longer without anything being wrong.
 */
export function sharedTimeout(aloneMs: number): number {
  return aloneMs * (testConcurrency() ?? DEFAULT_CONCURRENCY);
}
