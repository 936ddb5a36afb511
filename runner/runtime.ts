import { builtinMetrics, Registry, type BuiltinMetrics, type TagSet, type Tags } from './metrics/registry.ts';
import { CookieJar } from './http/cookies.ts';
import type { ExpectedStatuses } from './http/expected.ts';
import { scriptLocation } from './location.ts';
import type { ScriptInstance } from './script-instance.ts';
import { stackOf } from './sync/helpers.ts';
import { md5, stringTags } from './tags.ts';

/** the k6 release this runner follows (its default User-Agent names it) */
export const K6_VERSION = '2.2.0';

/** Something an iteration waits on (a request, a sleep) that an interrupt must cut short. */
export interface PendingOp {
  /** where the script started it; captured cheaply, formatted only for a warning */
  site: { stack?: string };
  /** what it is, for a warning (`GET http://…`); may be a getter, read only when warning */
  readonly what: string;
  cancel(): void;
}

/**
 * One iteration's life: the interrupt flag and what it still waits on. Most iterations wait on one
 * thing at a time, so the set of pending operations is only made when a second one is added.
 */
export class IterationToken {
  interrupted = false;
  private one: PendingOp | null = null;
  private many: Set<PendingOp> | null = null;
  // the executor's bookkeeping for the iteration this token belongs to
  vu: VU | null = null;
  done: ((vu: VU) => void) | null = null;
  t0 = 0;
  /** the iteration returned a promise that has not settled and was not interrupted yet */
  waiting = false;
  /** called once nothing is pending any more (the executor then ends the iteration, as k6 ends it when the
   * VU's event loop is empty: un-awaited requests, their callbacks and timers included) */
  whenIdle: (() => void) | null = null;

  /** a timer the iteration started: it holds the iteration as any pending operation does */
  holdTimer(op: PendingOp): void {
    this.addOp(op);
  }

  releaseTimer(op: PendingOp): void {
    this.deleteOp(op);
  }

  addOp(op: PendingOp): void {
    if (this.many !== null) this.many.add(op);
    else if (this.one === null) this.one = op;
    else {
      this.many = new Set([this.one, op]);
      this.one = null;
    }
  }

  deleteOp(op: PendingOp): void {
    if (this.one === op) this.one = null;
    else this.many?.delete(op);
    if (this.whenIdle !== null && !this.hasPendingOps) {
      const f = this.whenIdle;
      this.whenIdle = null;
      f();
    }
  }

  /** what is still pending, oldest first */
  pendingOps(): PendingOp[] {
    if (this.many !== null) return [...this.many];
    return this.one === null ? [] : [this.one];
  }

  get hasPendingOps(): boolean {
    return this.one !== null || (this.many !== null && this.many.size > 0);
  }

  interrupt(): void {
    if (this.interrupted) return;
    this.interrupted = true;
    const ops = this.pendingOps();
    this.one = null;
    this.many = null;
    for (const op of ops) op.cancel();
  }
}

export interface GroupNode {
  name: string;
  path: string;
  id: string;
  groups: GroupNode[];
  checks: Map<string, CheckNode>;
}
export interface CheckNode {
  name: string;
  path: string;
  id: string;
  passes: number;
  fails: number;
}

export interface ScenarioInfo {
  name: string;
  executor: string;
  startTimeMs: number;
  tags: Tags;
  env: Record<string, string>;
  exec: string;
  /** set when the scenario starts running */
  startedAt: number;
  iterationsStarted: number;
  /** the per-scenario iteration counter k6/execution exposes */
  nextIterationInTest(): number;
}

/** State shared by all VUs of one run: metrics, groups, the warning log. */
export class Runtime {
  readonly registry = new Registry();
  readonly metrics: BuiltinMetrics;
  readonly rootGroup: GroupNode = { name: '', path: '', id: md5(''), groups: [], checks: new Map() };
  private readonly groups = new Map<string, GroupNode>([['', this.rootGroup]]);
  private readonly warned = new Set<string>();
  testStartedAt = performance.now();
  nextVuId = 1;
  /** `options.tags`: on every sample */
  globalTags: Tags = {};
  noCookiesReset = false;
  maxRedirects = 10;
  /** k6's default form (`Grafana k6/<version>`), with the k6 version whose behaviour this runner follows */
  userAgent = `Grafana k6/${K6_VERSION}`;
  /** options.httpDebug / --http-debug: each request and response printed to stderr, with bodies when 'full' */
  httpDebug: 'headers' | 'full' | null = null;
  discardResponseBodies = false;
  /** options.noConnectionReuse: a new connection per request */
  noConnectionReuse = false;
  /** options.throw: a request that fails without a response throws */
  throwOnError = false;
  /** options.minIterationDuration, ms: a shorter iteration waits out the rest before its VU goes on */
  minIterationMs = 0;
  /** options.batch / batchPerHost: how many requests of one http.batch run at once, in all and per host */
  batch = 20;
  batchPerHost = 6;

  constructor(
    readonly scriptFile: string,
    readonly stderr: NodeJS.WritableStream,
  ) {
    this.metrics = builtinMetrics(this.registry);
  }

  group(path: string, name: string, parentPath: string): GroupNode {
    let g = this.groups.get(path);
    if (!g) {
      g = { name, path, id: md5(path), groups: [], checks: new Map() };
      this.groups.set(path, g);
      this.groups.get(parentPath)?.groups.push(g);
    }
    return g;
  }

  groupNode(path: string): GroupNode {
    return this.groups.get(path) ?? this.rootGroup;
  }

  warn(message: string): void {
    this.stderr.write(`warning: ${message}\n`);
  }

  private failedShown = 0;
  private failedSuppressed = 0;
  private failedWindow = 0;

  /**
   * k6's `Request Failed error="..."` for a request without a response. k6 logs every one; a saturated server
   * fails thousands a second, so past 10 in a second the rest are counted and told in one line.
   */
  requestFailed(error: string): void {
    const second = Math.floor(performance.now() / 1000);
    if (second !== this.failedWindow) {
      if (this.failedSuppressed > 0)
        this.warn(`${this.failedSuppressed} more requests failed in the last second (Request Failed, not shown)`);
      this.failedWindow = second;
      this.failedShown = 0;
      this.failedSuppressed = 0;
    }
    if (this.failedShown++ < 10) this.warn(`Request Failed error=${JSON.stringify(error)}`);
    else this.failedSuppressed++;
  }

  warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.warn(message);
  }

  location(stack: string | undefined): string {
    return scriptLocation(stack, this.scriptFile) ?? 'an unknown line';
  }

  /** where the script threw `err`: an Error's stack, or the place a thrown string or object came from */
  errorLocation(err: unknown): string {
    return this.location(stackOf(err));
  }
}

export type VuPhase = 'init' | 'setup' | 'run' | 'teardown';

/** A virtual user: its own init context (script instance), cookie jar, group and iteration state. */
export class VU {
  instance!: ScriptInstance;
  phase: VuPhase = 'init';
  iteration = 0;
  group = '';
  token: IterationToken | null = null;
  readonly jar = new CookieJar();
  responseCallback: ExpectedStatuses | null;
  tags: Tags;
  /** interned base tags (scenario + options.tags + scenario tags), for samples without request tags */
  baseTagSet!: TagSet;
  baseKey = '';
  iterationInScenario = -1;
  iterationInTest = -1;
  idInScenario = 0;
  /** exec.vu.idInTest: the id in the whole test, which differs from `id` under an execution segment */
  idInTest: number;
  /** the exported function its scenario runs, once resolved */
  iterationFn: ((data: unknown) => unknown) | null = null;
  /** this VU's private copy of setup()'s result */
  setupData: unknown = undefined;

  constructor(
    readonly rt: Runtime,
    readonly id: number,
    readonly scenario: ScenarioInfo | null,
    defaultCallback: ExpectedStatuses,
  ) {
    this.responseCallback = defaultCallback;
    this.idInTest = id;
    this.tags = {};
    this.setTags({});
  }

  setTags(extra: Tags): void {
    const tags: Tags = { ...this.rt.globalTags, ...(this.scenario?.tags ?? {}), ...extra };
    if (this.scenario) tags.scenario = this.scenario.name;
    this.tags = tags;
    const keys = Object.keys(tags).sort();
    this.baseKey = keys.map((k) => `${k}=${tags[k]}`).join('\u0001');
    this.refreshBase();
  }

  refreshBase(): void {
    this.baseTagSet = this.rt.registry.tagSet(`base\u0002${this.baseKey}\u0002${this.group}`, () => ({
      ...this.tags,
      group: this.group,
    }));
  }

  /** Tags for samples outside requests: base tags plus the current group. */
  tagSetWith(extra: object | undefined): TagSet {
    if (extra === undefined) return this.baseTagSet;
    return this.rt.registry.tagSetOf({ ...this.tags, group: this.group, ...stringTags(extra) });
  }
}
