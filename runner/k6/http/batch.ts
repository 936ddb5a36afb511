// http.batch's concurrency: k6 runs at most options.batch requests of one batch at once, batchPerHost per host.
import type { VU } from '../../runtime.ts';
import type { Body, Params } from './params.ts';
import { parseUrl } from './request.ts';
import type { Response } from './response.ts';

export type BatchRequest =
  | string
  | [string, string, Body?, Params?]
  | { method: string; url: string; body?: Body; params?: Params };

/** Starts the requests with at most options.batch running at once, and batchPerHost per host (k6's 20 and 6). */
export function limited(
  vu: VU,
  list: BatchRequest[],
  batchOne: (r: BatchRequest) => Promise<Response>,
): Promise<Response[]> {
  const rt = vu.rt;
  const out = new Array<Promise<Response>>(list.length);
  const perHost = new Map<string, number>();
  const hostOf = (r: BatchRequest) => {
    const url = typeof r === 'string' ? r : Array.isArray(r) ? r[1] : r.url;
    return parseUrl(String(url)).host;
  };
  let running = 0;
  let next = 0;
  return new Promise((resolve) => {
    const pump = () => {
      for (let i = next; i < list.length && running < rt.batch; i++) {
        if (out[i] !== undefined) continue;
        const host = hostOf(list[i]);
        if ((perHost.get(host) ?? 0) >= rt.batchPerHost) continue;
        running++;
        perHost.set(host, (perHost.get(host) ?? 0) + 1);
        const settle = () => {
          running--;
          perHost.set(host, perHost.get(host)! - 1);
          pump();
        };
        out[i] = batchOne(list[i]);
        out[i].then(settle, settle);
        if (i === next) while (next < list.length && out[next] !== undefined) next++;
      }
      if (next >= list.length && running === 0) resolve(Promise.all(out));
    };
    pump();
  });
}
