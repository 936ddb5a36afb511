import { createHmac, timingSafeEqual } from 'node:crypto';

/** The visitor queue as the operators set it. */
export interface QueueSettings {
  /** new visitors let in per minute, per organizer */
  visitors_per_minute: number;
  /** how long the queue page tells a browser to wait before it asks again */
  retry_after_s: number;
}

export interface QueueTally {
  /** visitors let in since the queue went on */
  admitted: number;
  /** queue pages answered (one visitor may see many) */
  queue_pages: number;
}

/** An admitted visitor keeps its pass this long, like a pretix cart's reservation. */
export const PASS_SECONDS = 30 * 60;
// organizer slugs come from URLs: past this many, unknown ones share one limiter instead of growing the maps
const MAX_ORGANIZERS = 10_000;
const SHARED = '*';

export type Entry = { admitted: true; setCookie?: string } | { admitted: false };

export const passCookieName = (organizer: string) => `queue_pass_${organizer}`;

/**
 * A waiting room in front of every organizer's shops: never more than N new visitors per organizer in any
 * 60 s, and never two within half of 60/N s, so a crowd gets in at an even pace (up to twice it while catching
 * up on slots nobody claimed) rather than N at once. Whoever asks first once a slot is free gets it (no fixed
 * order, like browsers refreshing a queue page). An admitted visitor carries a signed cookie for the rest of
 * the visit, so the room keeps no per-visitor state; everyone else gets the queue page and comes back later.
 */
export class WaitingRoom {
  /** per organizer: when its visitors of the last minute were let in, oldest first */
  private readonly admittedAt = new Map<string, number[]>();
  private readonly tally = new Map<string, QueueTally>();
  private readonly minGapMs: number;

  constructor(
    readonly settings: QueueSettings,
    private readonly secret: Buffer,
    private readonly clock: () => number = Date.now,
  ) {
    this.minGapMs = 30_000 / settings.visitors_per_minute;
  }

  enter(organizer: string, cookieHeader: string | undefined): Entry {
    const now = this.clock();
    if (this.hasPass(organizer, cookieHeader, now)) return { admitted: true };
    const key = this.admittedAt.has(organizer) || this.admittedAt.size < MAX_ORGANIZERS ? organizer : SHARED;
    const count = this.countOf(key);
    let times = this.admittedAt.get(key);
    if (!times) this.admittedAt.set(key, (times = []));
    while (times.length > 0 && times[0] <= now - 60_000) times.shift();
    if (times.length >= this.settings.visitors_per_minute || now - (times.at(-1) ?? -Infinity) < this.minGapMs) {
      count.queue_pages++;
      return { admitted: false };
    }
    times.push(now);
    count.admitted++;
    const issued = Math.floor(now / 1000);
    const cookie = `${passCookieName(organizer)}=${issued}.${this.sign(organizer, issued)}; Path=/${organizer}/; Max-Age=${PASS_SECONDS}; HttpOnly; SameSite=Lax`;
    return { admitted: true, setCookie: cookie };
  }

  counts(): Record<string, QueueTally> {
    return Object.fromEntries([...this.tally].map(([org, t]) => [org, { ...t }]));
  }

  private countOf(key: string): QueueTally {
    let t = this.tally.get(key);
    if (!t) this.tally.set(key, (t = { admitted: 0, queue_pages: 0 }));
    return t;
  }

  private sign(organizer: string, issued: number): string {
    return createHmac('sha256', this.secret).update(`${organizer}.${issued}`).digest('base64url').slice(0, 22);
  }

  private hasPass(organizer: string, cookieHeader: string | undefined, now: number): boolean {
    if (!cookieHeader) return false;
    const prefix = `${passCookieName(organizer)}=`;
    const raw = cookieHeader
      .split(';')
      .map((c) => c.trim())
      .find((c) => c.startsWith(prefix))
      ?.slice(prefix.length);
    const m = raw ? /^(\d{1,12})\.([A-Za-z0-9_-]{22})$/.exec(raw) : null;
    if (!m) return false;
    const issued = Number(m[1]);
    if (now / 1000 - issued > PASS_SECONDS || issued > now / 1000 + 60) return false;
    return timingSafeEqual(Buffer.from(m[2]), Buffer.from(this.sign(organizer, issued)));
  }
}
