// The `k6/http` module surface, bound to one VU (k6's http.go).
import type { HttpClient } from '../../http/client.ts';
import { CookieJar, type CookieOptions } from '../../http/cookies.ts';
import { ExpectedStatuses, expectedStatuses } from '../../http/expected.ts';
import type { VU } from '../../runtime.ts';
import { blocking } from '../../sync/helpers.ts';
import { limited, type BatchRequest } from './batch.ts';
import type { Body, Params } from './params.ts';
import { HttpRequests, parseUrl } from './request.ts';
import { Response } from './response.ts';

type Batch = BatchRequest[] | Record<string, BatchRequest>;

/** k6's CookieJar object: the VU's own (http.cookieJar()) or a new one for Params.jar. */
class ScriptCookieJar {
  readonly inner: CookieJar;
  constructor(inner?: CookieJar) {
    this.inner = inner ?? new CookieJar();
  }
  set(url: string, name: string, value: string, options?: CookieOptions): void {
    this.inner.set(parseUrl(url).cookieUrl, name, value, options);
  }
  cookiesForURL(url: string): Record<string, string[]> {
    return this.inner.entries(parseUrl(url).cookieUrl);
  }
  delete(url: string, name: string): void {
    this.inner.delete(parseUrl(url).cookieUrl, name);
  }
  clear(url?: string): void {
    this.inner.clear(url === undefined ? undefined : parseUrl(url).cookieUrl);
  }
}

/** http.url`...${x}`: the URL, named by its template (`${}` in the holes) so requests to it share a name tag. */
export class UrlTemplate {
  constructor(
    readonly url: string,
    readonly name: string,
  ) {}
  toString(): string {
    return this.url;
  }
}

function urlTemplate(strings: TemplateStringsArray, ...values: unknown[]): UrlTemplate {
  const fill = (hole: (i: number) => string) =>
    strings.reduce((a, s, i) => a + s + (i < values.length ? hole(i) : ''), '');
  return new UrlTemplate(
    fill((i) => String(values[i])),
    fill(() => '${}'),
  );
}

/** The method in upper case; the usual ones as they are, since toUpperCase makes a new string every time. */
function upperMethod(m: string): string {
  switch (m) {
    case 'GET':
    case 'POST':
    case 'PUT':
    case 'PATCH':
    case 'DELETE':
    case 'HEAD':
    case 'OPTIONS':
      return m;
    default:
      return m.toUpperCase();
  }
}

export function httpModule(vu: VU, client: HttpClient) {
  const vuJar = new ScriptCookieJar(vu.jar);
  const requests = new HttpRequests(vu, client);

  function start(
    method: string,
    target: string | UrlTemplate,
    body: Body,
    params: Params | null | undefined,
  ): Promise<Response> {
    let url = target as string;
    if (target instanceof UrlTemplate) {
      url = target.url;
      if (params?.tags?.name === undefined) params = { ...params, tags: { ...params?.tags, name: target.name } };
    }
    if (vu.phase === 'init')
      throw new Error(
        'making HTTP requests in the init context is not supported (move the request into the default function or setup())',
      );
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
    return requests.run(upperMethod(method), String(url), body, params ?? undefined, site);
  }

  function batchOne(r: BatchRequest): Promise<Response> {
    if (typeof r === 'string') return start('GET', r, null, undefined);
    if (Array.isArray(r)) return start(r[0], r[1], r[2], r[3]);
    return start(r.method, r.url, r.body, r.params);
  }

  /** All requests at once; an object of named requests gives an object of responses under the same names. */
  async function batch(reqs: Batch): Promise<Response[] | Record<string, Response>> {
    if (Array.isArray(reqs)) return limited(vu, reqs, batchOne);
    const names = Object.keys(reqs);
    const responses = await limited(
      vu,
      names.map((n) => reqs[n]),
      batchOne,
    );
    return Object.fromEntries(names.map((n, i) => [n, responses[i]]));
  }

  /** k6 warns when http.get or http.head get a body (a third argument) and goes on with the params */
  function tooMany(name: string, params: Params | undefined, extra: unknown[]): Params | undefined {
    if (extra.length > 0)
      vu.rt.warnOnce(
        `args:${name}:${extra.length}`,
        `http.${name} only accepts a url and a params argument (2 arguments), but ${extra.length + 2} were given`,
      );
    return params;
  }

  const location = (stack: string | undefined) => vu.rt.location(stack);
  const wait = <F extends (...a: never[]) => Promise<unknown>>(name: string, fn: F) =>
    blocking(`http.${name}()`, fn, location);

  const mod = {
    asyncRequest: (method: string, url: string, body?: Body, params?: Params) => start(method, url, body, params),
    request: wait('request', (method: string, url: string, body?: Body, params?: Params) =>
      start(method, url, body, params),
    ),
    get: wait('get', (url: string, params?: Params, ...extra: unknown[]) =>
      start('GET', url, null, tooMany('get', params, extra)),
    ),
    head: wait('head', (url: string, params?: Params, ...extra: unknown[]) =>
      start('HEAD', url, null, tooMany('head', params, extra)),
    ),
    options: wait('options', (url: string, body?: Body, params?: Params) => start('OPTIONS', url, body, params)),
    post: wait('post', (url: string, body?: Body, params?: Params) => start('POST', url, body, params)),
    put: wait('put', (url: string, body?: Body, params?: Params) => start('PUT', url, body, params)),
    patch: wait('patch', (url: string, body?: Body, params?: Params) => start('PATCH', url, body, params)),
    del: wait('del', (url: string, body?: Body, params?: Params) => start('DELETE', url, body, params)),
    batch: wait('batch', batch),
    expectedStatuses,
    setResponseCallback: (cb: ExpectedStatuses | null) => {
      if (cb !== null && !(cb instanceof ExpectedStatuses))
        throw new Error('setResponseCallback: accepted values are http.expectedStatuses(...) or null');
      vu.responseCallback = cb;
    },
    cookieJar: () => vuJar,
    CookieJar: ScriptCookieJar,
    url: urlTemplate,
    OCSP_STATUS_GOOD: 'good',
    TLS_1_2: 'tls1.2',
    TLS_1_3: 'tls1.3',
    Response,
  };
  return mod;
}
