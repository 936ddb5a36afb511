/** k6's exit codes (errext/exitcodes) that this runner produces. */
export const EXIT = {
  ok: 0,
  thresholdsFailed: 99,
  config: 104,
  signal: 105,
  script: 107,
  usage: 1,
} as const;

/** A problem the user can fix: the CLI prints it as one `error: ...` line and exits with its code. */
export class RunnerError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'RunnerError';
  }
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
