import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ShopContext } from './context.ts';
import { HttpError, badRequest } from './errors.ts';
import { renderQueue } from './html.ts';
import { isVariant, variants, type Variant } from './queries/product-list.ts';
import { WaitingRoom, type QueueSettings, type QueueTally } from './waiting-room.ts';
import type { WriteJournal } from './write-journal.ts';

/** What the operators can do to a running platform during an incident (pretix, 2026-06-29). */
export interface SwitchesView {
  /** every page answers 503 at once, as when the load balancer stops letting visitors in */
  access_cut: boolean;
  queue: (QueueSettings & { organizers: Record<string, QueueTally> }) | null;
  /** "organizer/event" shops whose pages answer 403 "shop not available" */
  disabled_shops: string[];
  /** the product-list query the shop runs */
  variant: Variant;
  /** the server the GET pages read from: replica-1, replica-2, ... or primary */
  reads: string;
  /** every server `reads` accepts */
  read_servers: string[];
}

export type SwitchesPatch = Partial<{
  access_cut: boolean;
  queue: QueueSettings | null;
  disabled_shops: string[];
  variant: Variant;
  /** move the GET pages' reads to this server */
  reads: string;
  /** a server was restarted: drop the shop's connections to it and open fresh ones */
  restart: string;
}>;

const SHOP_KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,49}\/[A-Za-z0-9][A-Za-z0-9._-]{0,49}$/;
const FIELDS = ['access_cut', 'queue', 'disabled_shops', 'variant', 'reads', 'restart'];
// the monitoring routes stay reachable whatever the operators switch, as they do behind a real load balancer
const INTERNAL_ROUTES = new Set(['healthz', 'metrics']);

function wholeNumber(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw badRequest(`"${field}" must be a whole number from ${min} to ${max}, got ${JSON.stringify(v) ?? 'nothing'}`);
  return v;
}

/** Checks a PATCH body field by field; the message names the bad field and what it accepts. */
export function parsePatch(body: unknown): SwitchesPatch {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw badRequest(`the body must be a JSON object with any of ${FIELDS.join(', ')}`);
  const b = body as Record<string, unknown>;
  const unknownField = Object.keys(b).find((k) => !FIELDS.includes(k));
  if (unknownField) throw badRequest(`unknown switch "${unknownField}" (accepted: ${FIELDS.join(', ')})`);
  const patch: SwitchesPatch = {};
  if (b.access_cut !== undefined) {
    if (typeof b.access_cut !== 'boolean')
      throw badRequest(`"access_cut" must be true or false, got ${JSON.stringify(b.access_cut)}`);
    patch.access_cut = b.access_cut;
  }
  if (b.queue !== undefined) {
    if (b.queue === null) patch.queue = null;
    else if (typeof b.queue !== 'object' || Array.isArray(b.queue))
      throw badRequest('"queue" must be null or { "visitors_per_minute": N, "retry_after_s": S }');
    else {
      const q = b.queue as Record<string, unknown>;
      patch.queue = {
        visitors_per_minute: wholeNumber(q.visitors_per_minute, 'queue.visitors_per_minute', 1, 1_000_000),
        retry_after_s: wholeNumber(q.retry_after_s ?? 10, 'queue.retry_after_s', 1, 3600),
      };
    }
  }
  if (b.disabled_shops !== undefined) {
    const list = b.disabled_shops;
    if (!Array.isArray(list) || list.some((s) => typeof s !== 'string' || !SHOP_KEY.test(s))) {
      throw badRequest(`"disabled_shops" must be a list of "organizer/event" slugs, got ${JSON.stringify(list)}`);
    }
    patch.disabled_shops = list as string[];
  }
  if (b.variant !== undefined) {
    if (typeof b.variant !== 'string' || !isVariant(b.variant))
      throw badRequest(`"variant" must be one of ${variants.join(', ')}, got ${JSON.stringify(b.variant)}`);
    patch.variant = b.variant;
  }
  // which names exist is the shop's read router's to say (apply); here only the shape
  for (const field of ['reads', 'restart'] as const) {
    const v = b[field];
    if (v === undefined) continue;
    if (typeof v !== 'string' || !/^[a-z][a-z0-9-]{0,30}$/.test(v))
      throw badRequest(`"${field}" must be a server name such as replica-1 or primary, got ${JSON.stringify(v)}`);
    patch[field] = v;
  }
  return patch;
}

/**
 * The switches of one shop. They cost a request nothing while all are off (one boolean), and never a database
 * query: a cut, a disabled shop and the queue are decided from the URL and a cookie before any route runs.
 */
export class ShopSwitches {
  private cut = false;
  private room: WaitingRoom | null = null;
  private disabled = new Set<string>();
  // one secret for the shop's life: passes stay valid when the queue goes off and on again
  private readonly secret = randomBytes(32);
  private ctx: ShopContext | undefined;

  /** Wires the switches into a shop: the variant swap acts on its context, the gate runs before every route. */
  attach(app: FastifyInstance, ctx: ShopContext): void {
    this.ctx = ctx;
    app.addHook('onRequest', (req, reply) => this.gate(req, reply));
  }

  get engaged(): boolean {
    return this.cut || this.room !== null || this.disabled.size > 0;
  }

  apply(patch: SwitchesPatch): SwitchesView {
    if (patch.variant !== undefined || patch.reads !== undefined || patch.restart !== undefined) {
      if (!this.ctx) throw new Error('switches not attached to a shop');
      // both checked before either acts: a refused patch changes nothing
      if (patch.reads !== undefined) this.ctx.reads.check(patch.reads, 'reads');
      if (patch.restart !== undefined) this.ctx.reads.check(patch.restart, 'restart');
      if (patch.restart !== undefined) this.ctx.reads.reconnect(patch.restart);
      if (patch.reads !== undefined) this.ctx.reads.route(patch.reads);
      if (patch.variant !== undefined) this.ctx.variant = patch.variant;
    }
    if (patch.access_cut !== undefined) this.cut = patch.access_cut;
    if (patch.queue !== undefined) this.room = patch.queue === null ? null : new WaitingRoom(patch.queue, this.secret);
    if (patch.disabled_shops !== undefined) this.disabled = new Set(patch.disabled_shops);
    return this.view();
  }

  view(): SwitchesView {
    return {
      access_cut: this.cut,
      queue: this.room ? { ...this.room.settings, organizers: this.room.counts() } : null,
      disabled_shops: [...this.disabled].sort(),
      variant: this.ctx?.variant ?? 'before',
      reads: this.ctx?.reads.reads ?? 'primary',
      read_servers: this.ctx?.reads.names ?? ['primary'],
    };
  }

  /** the writes the shop acknowledged so far */
  writes(): ReturnType<WriteJournal['view']> {
    return this.ctx?.writes.view() ?? { writes: [], dropped: 0 };
  }

  private async gate(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    if (!this.engaged) return undefined;
    const name = req.routeOptions.config?.name;
    if (name !== undefined && INTERNAL_ROUTES.has(name)) return undefined;
    if (this.cut)
      throw new HttpError(503, 'the platform is closed to visitors for the moment (access cut by the operators)', {
        'retry-after': '60',
      });
    const { organizer, event } = (req.params ?? {}) as { organizer?: string; event?: string };
    if (organizer === undefined) return undefined;
    if (event !== undefined && this.disabled.has(`${organizer}/${event}`))
      throw new HttpError(403, 'shop not available');
    if (!this.room) return undefined;
    const entry = this.room.enter(organizer, req.headers.cookie);
    if (entry.admitted) {
      if (entry.setCookie) reply.header('set-cookie', entry.setCookie);
      return undefined;
    }
    const wait = this.room.settings.retry_after_s;
    reply.code(202).headers({ 'retry-after': String(wait), 'cache-control': 'no-store' });
    const kind = req.routeOptions.config?.kind ?? 'json';
    if (kind === 'html') return reply.type('text/html; charset=utf-8').send(renderQueue(wait));
    return reply.type('application/json; charset=utf-8').send({ queue: true, retry_after_s: wait });
  }
}
