// `npm run load -- SCRIPT [flags]`: run one k6 script with the embedded runner, with k6's exit codes.
import { helpText, parseCommand } from './cli-flags.ts';
import { EXIT, exitWith } from './errors.ts';
import { runScript } from './run.ts';

async function main(): Promise<number> {
  const { help, script, opts } = parseCommand(process.argv.slice(2));
  if (help) {
    process.stdout.write(helpText());
    return EXIT.ok;
  }
  const controller = new AbortController();
  let signals = 0;
  let summarising = false;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      process.stderr.write(`\n${sig} again: exiting now\n`);
      process.exit(EXIT.signal);
    }
    process.stderr.write(
      summarising
        ? `\n${sig}: the test has ended, handleSummary is running; waiting for it (again to exit at once)\n`
        : `\n${sig}: stopping the test, writing the summary (again to exit at once)\n`,
    );
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  // the VUs' sockets and timers live on their own thread: without this, a handleSummary whose promise never
  // settles would let the process end at once, with exit code 0 and no summary, instead of waiting for Ctrl-C
  const keepAlive = setInterval(() => {}, 2 ** 30);
  const result = await runScript(script, {
    ...opts,
    signal: controller.signal,
    onHandleSummary: () => {
      summarising = true;
    },
  });
  clearInterval(keepAlive);
  if (result.thresholdsFailed) process.stderr.write(`error: some thresholds have failed\n`);
  return result.exitCode;
}

exitWith(main());
