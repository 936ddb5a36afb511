import type { Queryable } from '../db.ts';
import { notFound } from '../errors.ts';
import type { I18n } from './product-list.ts';

export interface EventInfo {
  organizerId: number;
  organizerSlug: string;
  organizerName: string;
  eventId: number;
  eventSlug: string;
  name: I18n;
  currency: string;
  hasSubevents: boolean;
  /** the organizer's `web` sales channel: what this shop sells through */
  channelId: number;
}

const SLUG = /^[A-Za-z0-9][A-Za-z0-9._-]{0,49}$/;

/** The organizer + event a URL names, or a 404; events that are not live are not shown, as in pretix. */
export async function loadEvent(db: Queryable, organizerSlug: string, eventSlug: string): Promise<EventInfo> {
  // pretix's URL patterns only accept slug characters; anything else cannot name an event
  if (!SLUG.test(organizerSlug) || !SLUG.test(eventSlug)) throw notFound(`no event '${organizerSlug}/${eventSlug}'`);
  const { rows } = await db.query<{
    organizer_id: number;
    organizer_slug: string;
    organizer_name: string;
    event_id: number;
    event_slug: string;
    name: I18n;
    currency: string;
    has_subevents: boolean;
    live: boolean;
    channel_id: number | null;
  }>(
    `SELECT o.id AS organizer_id, o.slug AS organizer_slug, o.name AS organizer_name, e.id AS event_id, e.slug AS event_slug,
            e.name, e.currency, e.has_subevents, e.live,
            (SELECT sc.id FROM pretixbase_saleschannel sc WHERE sc.organizer_id = o.id AND sc.identifier = 'web') AS channel_id
       FROM pretixbase_organizer o JOIN pretixbase_event e ON e.organizer_id = o.id
      WHERE o.slug = $1 AND e.slug = $2`,
    [organizerSlug, eventSlug],
  );
  const r = rows[0];
  if (!r?.live || r.channel_id === null) throw notFound(`no event '${organizerSlug}/${eventSlug}'`);
  return {
    organizerId: r.organizer_id,
    organizerSlug: r.organizer_slug,
    organizerName: r.organizer_name,
    eventId: r.event_id,
    eventSlug: r.event_slug,
    name: r.name,
    currency: r.currency,
    hasSubevents: r.has_subevents,
    channelId: r.channel_id,
  };
}

export interface SubeventInfo {
  id: number;
  name: I18n;
  dateFrom: Date;
  dateTo: Date | null;
}

export const MAX_ID = 2_147_483_647;

/** A path segment as a database id: digits only, within PostgreSQL's integer range. */
export function parseId(raw: string, what: string): number {
  if (!/^\d{1,10}$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_ID)
    throw notFound(`${what} '${raw}' is not a valid id (accepted: a whole number from 1 to ${MAX_ID})`);
  return Number(raw);
}

/** A date of the event that is active; inactive dates 404 like pretix's shop does. */
export async function loadSubevent(db: Queryable, event: EventInfo, subeventId: number): Promise<SubeventInfo> {
  const { rows } = await db.query<{ id: number; name: I18n; date_from: Date; date_to: Date | null }>(
    'SELECT id, name, date_from, date_to FROM pretixbase_subevent WHERE id = $1 AND event_id = $2 AND active',
    [subeventId, event.eventId],
  );
  const r = rows[0];
  if (!r) throw notFound(`no date ${subeventId} in event '${event.organizerSlug}/${event.eventSlug}'`);
  return { id: r.id, name: r.name, dateFrom: r.date_from, dateTo: r.date_to };
}

export const CALENDAR_PAGE_SIZE = 50;

export interface CalendarPage {
  page: number;
  dates: SubeventInfo[];
  hasNext: boolean;
}

/**
 * Upcoming public dates, 50 a page, in date order. There is no index on subevent.date_from (as in pretix), so
 * this sorts the event's dates: cheap next to the product list, and part of the realistic cost of a visit.
 */
export async function loadCalendar(db: Queryable, event: EventInfo, page: number): Promise<CalendarPage> {
  const { rows } = await db.query<{ id: number; name: I18n; date_from: Date; date_to: Date | null }>(
    `/* loadlab:calendar */ SELECT id, name, date_from, date_to FROM pretixbase_subevent
      WHERE event_id = $1 AND active AND is_public AND date_from >= now()
      ORDER BY date_from, id LIMIT $2 OFFSET $3`,
    [event.eventId, CALENDAR_PAGE_SIZE + 1, (page - 1) * CALENDAR_PAGE_SIZE],
  );
  const dates = rows
    .slice(0, CALENDAR_PAGE_SIZE)
    .map((r) => ({ id: r.id, name: r.name, dateFrom: r.date_from, dateTo: r.date_to }));
  return { page, dates, hasNext: rows.length > CALENDAR_PAGE_SIZE };
}
