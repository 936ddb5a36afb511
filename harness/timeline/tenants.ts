import pg from 'pg';
import { HOT_ORGANIZER } from '../../datasets/hot-series.ts';

/** A shop a visitor can go through: the calendar of an event series, then one of its dates. */
export interface ShopTarget {
  organizer: string;
  event: string;
  /** its dates are subevents firstDate .. firstDate + dates - 1 */
  firstDate: number;
  dates: number;
}

/**
 * The other organizers' shops the dataset already holds, as their visitors find them: live event series (a
 * single event has no date page to list products on) whose dates are contiguous ids, as the generator writes
 * them. Read from the database, so whatever seed or preset made it, the list is what the shop serves.
 */
export async function otherShops(databaseUrl: string): Promise<ShopTarget[]> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'loadlab-timeline' });
  client.on('error', () => {});
  await client.connect();
  try {
    const { rows } = await client.query<{
      organizer: string;
      event: string;
      first: number;
      last: number;
      dates: number;
    }>(
      `SELECT o.slug AS organizer, e.slug AS event, min(s.id)::int AS first, max(s.id)::int AS last, count(*)::int AS dates
         FROM pretixbase_event e
         JOIN pretixbase_organizer o ON o.id = e.organizer_id
         JOIN pretixbase_subevent s ON s.event_id = e.id AND s.active
        WHERE e.organizer_id <> $1 AND e.live AND e.has_subevents
        GROUP BY o.slug, e.slug, e.id
        ORDER BY e.id`,
      [HOT_ORGANIZER.id],
    );
    return rows
      .filter((r) => r.last - r.first + 1 === r.dates)
      .map((r) => ({ organizer: r.organizer, event: r.event, firstDate: r.first, dates: r.dates }));
  } finally {
    await client.end().catch(() => {});
  }
}

/** The form loadtests/timeline.ts reads from OTHERS: `organizer/event/first/count` joined by commas. */
export function shopsEnv(shops: ShopTarget[]): string {
  return shops.map((s) => `${s.organizer}/${s.event}/${s.firstDate}/${s.dates}`).join(',');
}
