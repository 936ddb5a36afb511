import { UserError } from '../common/user-error.ts';

export { describeError } from '../common/user-error.ts';

/** k6's exit codes (errext/exitcodes) that this runner produces. */
export const EXIT = {
  ok: 0,
  thresholdsFailed: 99,
  config: 104,
  signal: 105,
  script: 107,
  /** the script called `exec.test.abort()` */
  scriptAborted: 108,
  /** the script called `exec.test.fail()` */
  markedFailed: 110,
  /** setup() / teardown() ran past setupTimeout / teardownTimeout */
  setupTimeout: 100,
  teardownTimeout: 101,
  usage: 1,
} as const;

/**
 * A problem the user can fix, with k6's exit code for it: the CLI prints it as one `error: ...` line. It is the
 * harness's user error with a k6 code, so the harness reports a runner mistake the same way as its own.
 */
export class RunnerError extends UserError {
  constructor(message: string, exitCode: number) {
    super(message, exitCode);
    this.name = 'RunnerError';
  }
}

/**
 * A command's end: its exit code, or a RunnerError as one `error:` line with its k6 code; anything else is a bug
 * of ours and keeps its stack.
 */
export function exitWith(run: Promise<number>): void {
  run.then(
    (code) => process.exit(code),
    (err: unknown) => {
      if (err instanceof RunnerError) {
        process.stderr.write(`error: ${err.message}\n`);
        process.exit(err.exitCode);
      }
      process.stderr.write(`internal error: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
