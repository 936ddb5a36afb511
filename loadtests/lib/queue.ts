import http, { type RefinedParams, type RefinedResponse, type RequestBody, type ResponseType } from 'k6/http';
import { sleep } from 'k6';
import { Trend } from 'k6/metrics';

/** Seconds a visitor spent on queue pages before the shop let it in (only visitors who met the queue). */
const queueWait = new Trend('queue_wait', true);

/** A queue page without a usable Retry-After: browsers on pretix's queue page refresh about this often. */
const DEFAULT_PAUSE_S = 10;

/**
 * One request of a visitor that honours a waiting room: on the queue page (202 with Retry-After) it waits as
 * told and asks again, as a browser on pretix's queue page does, for at most `maxWaitS` in all; then it leaves
 * with the last answer. Without a queue this is exactly one request.
 */
export async function askPatiently<RT extends ResponseType | undefined>(
  method: string,
  url: string,
  body: RequestBody | null,
  params: RefinedParams<RT>,
  maxWaitS: number,
): Promise<RefinedResponse<RT>> {
  let res = await http.asyncRequest(method, url, body, params);
  let waited = 0;
  while (res.status === 202 && waited < maxWaitS) {
    const told = Number(res.headers['Retry-After']);
    const pause = Math.min(Number.isFinite(told) && told > 0 ? told : DEFAULT_PAUSE_S, maxWaitS - waited);
    // awaited so the embedded runner's promise-returning sleep works; on k6 it blocks the VU as usual
    await sleep(pause);
    waited += pause;
    res = await http.asyncRequest(method, url, body, params);
  }
  if (waited > 0) queueWait.add(waited * 1000);
  return res;
}
