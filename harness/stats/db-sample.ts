import type pg from 'pg';
import { databaseFragment, parseDatabase } from './sources/database.ts';
import { ioFragment, parseIo } from './sources/io.ts';
import { activityFragment, parseActivity } from './sources/activity.ts';
import {
  byVariant,
  matcherSql,
  parseStatementsPart,
  scanStatementTexts,
  statementsFragment,
} from './sources/statements.ts';
import type { Capabilities } from './connection.ts';
import type { Sample, StatementCounters } from './types.ts';

export type DbPart = Pick<Sample, 'database' | 'io' | 'statements' | 'activity' | 'queries' | 'query_texts'>;

export const EMPTY_DB_PART: DbPart = { database: null, io: null, statements: null, activity: null, queries: null };

/**
 * The database part of a sample: ONE statement over every source (plus, only when new statements appeared in
 * pg_stat_statements, one scan of their texts), so the sampler's own load is a few ms per second. It
 * remembers which queryids are which product-list variant across samples.
 */
export class DbSampler {
  private readonly variantOf = new Map<string, string>(); // queryid -> variant
  private readonly texted = new Set<string>(); // queryids whose text is already in the file
  private scannedEntries = -1; // pg_stat_statements entries at the last text scan
  private readonly sql: string;

  constructor(
    private readonly caps: Capabilities,
    private readonly params: [string[], string[]],
  ) {
    const fragments = [
      `${databaseFragment} AS database`,
      `${ioFragment(caps.io) ?? 'NULL::json'} AS io`,
      `${activityFragment(caps.statements, matcherSql)} AS activity`,
      `${caps.statements ? statementsFragment('$3') : 'NULL::json'} AS statements`,
    ];
    this.sql = `SELECT ${fragments.join(',\n')}`;
  }

  async take(c: pg.Client): Promise<DbPart> {
    // without pg_stat_statements no part of the statement takes parameters
    const values = this.caps.statements ? [this.params[0], this.params[1], [...this.variantOf.keys()]] : [];
    // named, so it is parsed and planned once per connection: planning was 3/4 of the statement's cost
    const row = (await c.query<Record<string, unknown>>({ name: 'loadlab_db_stats_sample', text: this.sql, values }))
      .rows[0];
    const activity = parseActivity(row.activity);
    const part: DbPart = {
      database: parseDatabase(row.database),
      io: parseIo(row.io, this.caps.io),
      statements: null,
      activity: activity.activity,
      queries: null,
    };
    if (this.caps.statements) {
      const texts: Record<string, string> = {};
      part.statements = await this.statements(c, row.statements, activity.queryIds, texts);
      part.queries = parseStatementsPart(row.statements).all;
      if (Object.keys(texts).length > 0) part.query_texts = texts;
    }
    return part;
  }

  /** The product-list variants' counters; `texts` receives the texts of statements not seen before. */
  private async statements(
    c: pg.Client,
    raw: unknown,
    running: Map<string, string>,
    texts: Record<string, string>,
  ): Promise<Record<string, StatementCounters>> {
    let part = parseStatementsPart(raw);
    let learned = false;
    for (const [id, v] of running) {
      if (!this.variantOf.has(id)) {
        this.variantOf.set(id, v);
        learned = true;
      }
    }
    if (part.entries !== this.scannedEntries) {
      // new statements appeared (or a reset removed some): look at their texts once
      const scan = await scanStatementTexts(c, this.params);
      for (const [id, v] of scan.variants) {
        if (!this.variantOf.has(id)) learned = true;
        this.variantOf.set(id, v);
      }
      for (const [id, text] of scan.texts) {
        if (this.texted.has(id)) continue;
        this.texted.add(id);
        texts[id] = text;
      }
      this.scannedEntries = part.entries;
    }
    if (learned) {
      // the counters of the newly known entries, in this same sample
      const again = await c.query<Record<string, unknown>>(`SELECT ${statementsFragment('$1')} AS statements`, [
        [...this.variantOf.keys()],
      ]);
      part = parseStatementsPart(again.rows[0].statements);
    }
    return byVariant(part, this.variantOf);
  }
}
