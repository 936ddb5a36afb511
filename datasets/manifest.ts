import type pg from 'pg';

export const SCHEMA_VERSION = 1;
export const MANIFEST_TABLE = 'loadlab_manifest';

/** What a seeded database holds; written last, in the same transaction as the data. */
export interface Manifest {
  created_by: 'loadlab';
  preset: string;
  dates: number;
  seed: number;
  schema_version: number;
  generator_version: number;
  row_counts: Record<string, number>;
  checksum: string;
  hot_event_id: number;
  hot_subevent_first: number;
  hot_subevent_last: number;
  seeded_at: string;
  seed_seconds: number;
}

export const manifestDdl = `CREATE TABLE ${MANIFEST_TABLE} (
  id integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  created_by text NOT NULL,
  preset text NOT NULL,
  dates integer NOT NULL,
  seed bigint NOT NULL,
  schema_version integer NOT NULL,
  generator_version integer NOT NULL,
  row_counts jsonb NOT NULL,
  checksum text NOT NULL,
  hot_event_id integer NOT NULL,
  hot_subevent_first integer NOT NULL,
  hot_subevent_last integer NOT NULL,
  seeded_at timestamptz NOT NULL,
  seed_seconds numeric NOT NULL
)`;

export async function writeManifest(client: pg.ClientBase, m: Manifest): Promise<void> {
  await client.query(
    `INSERT INTO ${MANIFEST_TABLE} (created_by, preset, dates, seed, schema_version, generator_version, row_counts, checksum, hot_event_id, hot_subevent_first, hot_subevent_last, seeded_at, seed_seconds)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)`,
    [
      m.created_by,
      m.preset,
      m.dates,
      m.seed,
      m.schema_version,
      m.generator_version,
      JSON.stringify(m.row_counts),
      m.checksum,
      m.hot_event_id,
      m.hot_subevent_first,
      m.hot_subevent_last,
      m.seeded_at,
      m.seed_seconds,
    ],
  );
}

/** The manifest, or undefined when the table is absent or holds something loadlab did not write. */
export async function readManifest(client: pg.ClientBase): Promise<Manifest | undefined> {
  const exists = await client.query(`SELECT to_regclass($1) IS NOT NULL AS present`, [`public.${MANIFEST_TABLE}`]);
  if (!exists.rows[0].present) return undefined;
  try {
    const { rows } = await client.query(
      `SELECT *, seeded_at::text AS seeded_at_text FROM ${MANIFEST_TABLE} WHERE id = 1`,
    );
    const r = rows[0];
    if (r?.created_by !== 'loadlab') return undefined;
    return {
      created_by: 'loadlab',
      preset: r.preset,
      dates: r.dates,
      seed: Number(r.seed),
      schema_version: r.schema_version,
      generator_version: r.generator_version,
      row_counts: r.row_counts,
      checksum: r.checksum,
      hot_event_id: r.hot_event_id,
      hot_subevent_first: r.hot_subevent_first,
      hot_subevent_last: r.hot_subevent_last,
      seeded_at: r.seeded_at_text,
      seed_seconds: Number(r.seed_seconds),
    };
  } catch {
    return undefined;
  }
}
