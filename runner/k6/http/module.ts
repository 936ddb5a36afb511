// The `k6/http` module surface, bound to one VU (k6's http.go).
import type { HttpClient } from '../../http/client.ts';
import { ExpectedStatuses, expectedStatuses } from '../../http/expected.ts';
import type { VU } from '../../runtime.ts';
import { blocking } from '../../sync/helpers.ts';
import type { Body, Params } from './params.ts';
import { HttpRequests, parseUrl } from './request.ts';
import { Response } from './response.ts';

type BatchRequest = string | [string, string, Body?, Params?] | { method: string; url: string; body?: Body; params?: Params };
type Batch = BatchRequest[] | Record<string, BatchRequest>;

export function httpModule(vu: VU, client: HttpClient) {
  const requests = new HttpRequests(vu, client);

  function start(method: string, url: string, body: Body, params: Params | null | undefined): Promise<Response> {
    if (vu.phase === 'init') throw new Error('making HTTP requests in the init context is not supported (move the request into the default function or setup())');
    if (vu.token?.interrupted) return new Promise(() => {});
    // where the script made the call, for a missing-await warning. Capturing costs ~1 µs, so only a VU's
    // first iterations and then one in 64 pay it: a forgotten await repeats, so it is still caught early.
    const site: { stack?: string } = {};
    if (vu.iteration < 3 || (vu.iteration & 63) === 0) {
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 4;
      Error.captureStackTrace(site, start);
      Error.stackTraceLimit = limit;
    }
    // `http.get(url, null)` is common in k6 scripts: no params
    return requests.run(method.toUpperCase(), String(url), body, params ?? undefined, site);
  }

  function batchOne(r: BatchRequest): Promise<Response> {
    if (typeof r === 'string') return start('GET', r, null, undefined);
    if (Array.isArray(r)) return start(r[0], r[1], r[2], r[3]);
    return start(r.method, r.url, r.body, r.params);
  }

  /** All requests at once; an object of named requests gives an object of responses under the same names. */
  async function batch(reqs: Batch): Promise<Response[] | Record<string, Response>> {
    if (Array.isArray(reqs)) return Promise.all(reqs.map(batchOne));
    const names = Object.keys(reqs);
    const responses = await Promise.all(names.map((n) => batchOne(reqs[n])));
    return Object.fromEntries(names.map((n, i) => [n, responses[i]]));
  }

  const location = (stack: string | undefined) => vu.rt.location(stack);
  const wait = <F extends (...a: never[]) => Promise<unknown>>(name: string, fn: F) => blocking(`http.${name}()`, fn, location);

  const mod = {
    asyncRequest: (method: string, url: string, body?: Body, params?: Params) => start(method, url, body, params),
    request: wait('request', (method: string, url: string, body?: Body, params?: Params) => start(method, url, body, params)),
    get: wait('get', (url: string, params?: Params) => start('GET', url, null, params)),
    head: wait('head', (url: string, params?: Params) => start('HEAD', url, null, params)),
    options: wait('options', (url: string, body?: Body, params?: Params) => start('OPTIONS', url, body, params)),
    post: wait('post', (url: string, body?: Body, params?: Params) => start('POST', url, body, params)),
    put: wait('put', (url: string, body?: Body, params?: Params) => start('PUT', url, body, params)),
    patch: wait('patch', (url: string, body?: Body, params?: Params) => start('PATCH', url, body, params)),
    del: wait('del', (url: string, body?: Body, params?: Params) => start('DELETE', url, body, params)),
    batch: wait('batch', batch),
    expectedStatuses,
    setResponseCallback: (cb: ExpectedStatuses | null) => {
      if (cb !== null && !(cb instanceof ExpectedStatuses)) throw new Error('setResponseCallback: accepted values are http.expectedStatuses(...) or null');
      vu.responseCallback = cb;
    },
    cookieJar: () => ({
      set: (url: string, name: string, value: string) => vu.jar.set(parseUrl(url).host, name, value),
      cookiesForURL: (url: string) => vu.jar.entries(parseUrl(url).host),
      delete: (url: string, name: string) => vu.jar.delete(parseUrl(url).host, name),
      clear: () => vu.jar.clear(),
    }),
    url: (strings: TemplateStringsArray, ...values: unknown[]) => strings.reduce((a, s, i) => a + s + (i < values.length ? String(values[i]) : ''), ''),
    OCSP_STATUS_GOOD: 'good',
    TLS_1_2: 'tls1.2',
    TLS_1_3: 'tls1.3',
    Response,
  };
  return mod;
}
