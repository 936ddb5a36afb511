// handleSummary runs on a worker thread, never on the main thread: one that never yields (`while (true) {}`)
// then holds only that thread, and the main thread still ends it at handleSummaryTimeout, as k6 interrupts its
// runtime, and still takes the second Ctrl-C. The thread is the one the test ended on, kept alive for this
// (its init context is the VUs' own, so the init code does not run again), or, when that thread had to be
// stopped, a new one, which runs the init code once more first.
import type { Options } from '../config.ts';
import type { SummaryOutputs } from '../handle-summary.ts';
import type { SummaryData } from '../summary.ts';
import type { EngineScript, FromEngine, ToEngine } from './protocol.ts';
import { bootEngine, type EngineThread } from './supervisor.ts';

/** outputs: what handleSummary returned, as the main thread writes it; timeout: it was stopped at the limit. */
export type SummaryOutcome = { t: 'outputs'; outputs: SummaryOutputs } | { t: 'timeout' };

export interface SummaryRequest {
  /** the thread the test ended on, still alive (EngineOutcome.alive); null: a new thread is started */
  host: EngineThread | null;
  script: EngineScript;
  options: Options;
  data: SummaryData;
  limitMs: number;
  stderr: NodeJS.WritableStream;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/** k6's words (`%.f seconds`) and its hint, as one line. */
function timeoutLine(limitMs: number): string {
  return (
    `error: failed to handle the end-of-test summary: handleSummary() execution timed out after ` +
    `${(limitMs / 1000).toFixed(0)} seconds (you can increase the time limit via the handleSummaryTimeout ` +
    `option or the K6_HANDLE_SUMMARY_TIMEOUT environment variable)\n`
  );
}

export async function summarizeOnThread(req: SummaryRequest): Promise<SummaryOutcome> {
  const own = req.host === null ? bootEngine() : null;
  const thread = req.host ?? (own as EngineThread);
  const { stderr } = req;
  try {
    const { worker, exited } = await thread.worker;
    if (exited()) {
      stderr.write(`error: handleSummary() could not run: its thread had ended; printing the default summary\n`);
      return { t: 'outputs', outputs: 'text' };
    }
    return await new Promise<SummaryOutcome>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      let failure: string | undefined;
      const finish = (outcome: SummaryOutcome) => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        resolve(outcome);
      };
      const fallBack = (why: string) => {
        stderr.write(`error: handleSummary() failed: ${why}; printing the default summary\n`);
        finish({ t: 'outputs', outputs: 'text' });
      };
      const onMessage = (m: FromEngine) => {
        if (m.t === 'stderr') stderr.write(m.text);
        else if (m.t === 'summarized') finish({ t: 'outputs', outputs: m.outputs });
        else if (m.t === 'failed') fallBack(m.error.message.split('\n')[0]);
      };
      // an error thrown where nothing awaits it (a timer's callback) ends the thread
      const onError = (err: Error) => {
        failure ??= err.message;
      };
      const onExit = () => fallBack(failure ?? 'its thread ended before it returned');
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      // a longer delay would make node fire at once (TimeoutOverflowWarning); 24.8 days is 'no limit' enough
      timer = setTimeout(
        () => {
          stderr.write(timeoutLine(req.limitMs));
          finish({ t: 'timeout' });
          void worker.terminate();
        },
        Math.min(req.limitMs, MAX_TIMER_MS),
      );
      const send = (m: ToEngine) => worker.postMessage(m);
      if (own !== null) send({ t: 'init', script: req.script });
      send({ t: 'summary', data: req.data, options: req.options });
    });
  } finally {
    own?.dispose();
  }
}
