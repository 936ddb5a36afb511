// The growth audit against a planted regression: the real shop behind a front that runs one more statement on
// the cart-add route, a count over the whole series (as a "seats left in the series" banner would). The audit
// must flag exactly that statement with the fixed (after) variant, pass without it, and accept it when the
// allow-list names it. Plus the audit's one-line errors, its fallback without plans and its stop without
// pg_stat_statements.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { runAudit, type AppStarter, type AuditOptions } from '../harness/audit/run.ts';
import { plantedShop as plantedFront } from './helpers/planted-shop.ts';
import { DEFAULT_THRESHOLDS, unexpected, type GrowthReport } from '../harness/audit/growth.ts';
import { DEFAULT_ALLOW_FILE } from '../harness/audit/flags.ts';
import { readAllowList } from '../harness/audit/allow-list.ts';
import { presetSpec } from '../datasets/presets.ts';
import { openDataset, type OpenedDataset } from '../harness/db/dataset.ts';
import { ownDataDir } from './helpers/db.ts';
import { expectNoneLeft, harnessProcesses, loadPlaying, runCli, shopKiller } from './helpers/processes.ts';
import { junitCases } from './helpers/junit.ts';
import { sharedTimeout } from './helpers/timeouts.ts';

const loadTestDataDir = ownDataDir(import.meta.url);

const PLANTED_TAG = 'planted: seats left in the series';
const PLANTED_SQL = `/* ${PLANTED_TAG} */ SELECT count(*) FROM pretixbase_subevent s
  WHERE s.event_id = (SELECT event_id FROM pretixbase_subevent WHERE id = $1) AND s.active`;

/** The shop as it is, behind a front that runs PLANTED_SQL (on the audited database URL) before each cart add. */
const plantedShop: AppStarter = plantedFront([
  {
    onRequest: async (req, db) => {
      const cartAdd = /^\/[^/]+\/[^/]+\/(\d+)\/cart\/add$/.exec(req.url);
      if (req.method === 'POST' && cartAdd) await db.query(PLANTED_SQL, [Number(cartAdd[1])]);
    },
  },
]);

const dir = mkdtempSync(path.join(os.tmpdir(), 'loadlab-audit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const audit = (name: string, extra: Partial<AuditOptions>): Promise<GrowthReport> =>
  runAudit({
    variant: 'after',
    sizes: ['tiny', 'small'].map(presetSpec),
    seed: 42,
    visitors: 40,
    allow: readAllowList(DEFAULT_ALLOW_FILE),
    thresholds: DEFAULT_THRESHOLDS,
    outDir: path.join(dir, name),
    dataDir: loadTestDataDir,
    log: () => {},
    warn: () => {},
    ...extra,
  });

let planted: GrowthReport;

test('a count over the series on the cart route: flagged, exactly that statement, with the fixed product list', {
  timeout: sharedTimeout(120_000),
}, async () => {
  planted = await audit('planted', { startApp: plantedShop });
  const bad = unexpected(planted.statements);
  assert.deepEqual(
    bad.map((s) => s.label),
    [PLANTED_TAG],
    JSON.stringify(bad.map((s) => [s.label, s.sql.slice(0, 60), s.exponent])),
  );
  const s = bad[0];
  // about linear: the count reads every date of the series
  assert.ok(s.exponent! > 0.8 && s.exponent! < 1.3, `exponent ${s.exponent}`);
  assert.ok(s.plan_rows_per_call[1]! > 5 * s.plan_rows_per_call[0]!, `plan rows ${s.plan_rows_per_call}`);
  // the journey's cart adds, the same at both sizes
  assert.ok(s.calls[0] > 0 && s.calls[0] === s.calls[1], `calls ${s.calls}`);
  assert.equal(s.calls[0], planted.journey[0].routes['cart-add'].requests);
  const md = readFileSync(path.join(dir, 'planted', 'growth.md'), 'utf8');
  assert.match(
    md,
    new RegExp(
      `\\*\\*GROWS\\*\\* \\(work-per-call\\) \\| ${s.exponent!.toFixed(2)} \\| work x[\\d.]+ for x10 dates \\|.*\`${s.fingerprint}\` \\| ${PLANTED_TAG}`,
    ),
  );
  const cases = junitCases(path.join(dir, 'planted', 'junit.xml'));
  assert.equal(cases.length, planted.statements.length);
  assert.deepEqual(
    cases.filter((c) => c.failed).map((c) => c.name.slice(0, 12)),
    [s.fingerprint],
  );
});

test('the same journey without the planted statement passes, every route played at both sizes', {
  timeout: sharedTimeout(120_000),
}, async () => {
  const clean = await audit('clean', {});
  assert.deepEqual(unexpected(clean.statements), []);
  assert.equal(clean.measure, 'plans');
  for (const j of clean.journey) {
    for (const route of ['calendar', 'product-list', 'cart-add', 'checkout'])
      assert.ok(j.routes[route]?.requests > 0, `${route} played: ${JSON.stringify(j.routes)}`);
  }
  // the planted run had one statement more, and otherwise the same ones
  const fingerprints = new Set(clean.statements.map((s) => s.fingerprint));
  assert.deepEqual(
    planted.statements.filter((s) => !fingerprints.has(s.fingerprint)).map((s) => s.label),
    [PLANTED_TAG],
  );
});

test('an allow-list entry with a reason silences the planted statement', {
  timeout: sharedTimeout(120_000),
}, async () => {
  const fingerprint = unexpected(planted.statements)[0].fingerprint;
  const file = path.join(dir, 'allow.txt');
  writeFileSync(
    file,
    `${readFileSync(DEFAULT_ALLOW_FILE, 'utf8')}\n${fingerprint} series banner: counted once per cart add, accepted until it is cached\n`,
  );
  const allowed = await audit('allowed', { startApp: plantedShop, allow: readAllowList(file) });
  assert.deepEqual(unexpected(allowed.statements), []);
  const s = allowed.statements.find((x) => x.fingerprint === fingerprint)!;
  assert.equal(s.verdict, 'grows');
  assert.equal(s.allowed, 'series banner: counted once per cart add, accepted until it is cached');
  assert.match(
    readFileSync(path.join(dir, 'allowed', 'growth.md'), 'utf8'),
    new RegExp(`- \`${fingerprint}\` \\(grows\\): series banner`),
  );
});

test('bad input: one line naming the value, exit 1', async () => {
  const bad = path.join(dir, 'bad-allow.txt');
  writeFileSync(bad, '# ok\n3bf62f5dcbf7\n');
  for (const [args, expected] of [
    [['--sizes', 'small'], /^error: --sizes 'small' names one size: growth needs two or more/],
    [
      ['--sizes', 'tiny,enormous'],
      /^error: --sizes: unknown preset 'enormous' \(accepted: tiny, small, incident, xl, dates-N/,
    ],
    [['--allow', bad], /^error: .*bad-allow\.txt:2: fingerprint 3bf62f5dcbf7 has no reason \(accepted: /],
    [['--allow', path.join(dir, 'missing.txt')], /^error: cannot read the allow-list .*missing\.txt/],
    [['--visitors', '3'], /^error: --visitors 3 is out of range/],
    [
      ['--update-baseline', '--visitors', '40'],
      /^error: --update-baseline writes the gate's baseline, .*--visitors 40 \(the gate uses 60\); pass --baseline FILE/,
    ],
  ] as const) {
    const r = await runCli('audit:growth', [...args], { LOADLAB_PGDATA: loadTestDataDir });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, expected);
  }
});

test('Ctrl-C while the journey plays stops runner, shop and postgres, and writes no growth.json', {
  timeout: sharedTimeout(60_000),
}, async () => {
  const out = path.join(dir, 'interrupted');
  let sent = false;
  let failed = '';
  const env = { LOADLAB_PGDATA: loadTestDataDir, LOADLAB_VERBOSE: '1' };
  const r = await runCli('audit:growth', ['--out', out, '--visitors', '200'], env, (stderr, kill) => {
    if (!sent && /tiny: playing 200 visitors/.test(stderr)) {
      sent = true;
      loadPlaying(loadTestDataDir).then(
        () => kill('SIGINT'),
        (err: Error) => (failed = err.message),
      );
    }
  });
  assert.ok(sent && !failed, `the journey started: ${failed} ${r.stderr}`);
  assert.equal(r.code, 130, r.stderr.slice(-1000));
  await expectNoneLeft(() => harnessProcesses(loadTestDataDir), 'no postgres, shop or runner process remains');
  assert.ok(
    !existsSync(path.join(out, 'growth.json')) && !existsSync(path.join(out, 'growth.md')),
    'no report that looks finished',
  );
});

test('kill -9 of the shop while the journey plays: one line, exit 1, INCOMPLETE, no growth.json, nothing left', {
  timeout: sharedTimeout(60_000),
}, async () => {
  const out = path.join(dir, 'shop-killed');
  const env = { LOADLAB_PGDATA: loadTestDataDir, LOADLAB_VERBOSE: '1' };
  const killer = shopKiller(loadTestDataDir);
  let watching = false;
  const r = await runCli('audit:growth', ['--out', out, '--visitors', '200'], env, (stderr) => {
    if (!watching && /tiny: playing 200 visitors/.test(stderr)) {
      watching = true;
      killer.start();
    }
  });
  assert.ok(killer.killed.length > 0, `the shop was found and killed: ${killer.failed} ${r.stderr.slice(-500)}`);
  assert.equal(r.code, 1, r.stderr.slice(-1000));
  const last = r.stderr.trimEnd().split('\n').at(-1) ?? '';
  assert.match(last, /^error: run stopped: the shop \(after, tiny\) ended unexpectedly \(killed by SIGKILL\)/);
  assert.match(readFileSync(path.join(out, 'INCOMPLETE'), 'utf8'), /the shop \(after, tiny\) ended unexpectedly/);
  assert.ok(
    !existsSync(path.join(out, 'growth.json')) && !existsSync(path.join(out, 'growth.md')),
    'no report that looks finished',
  );
  await expectNoneLeft(() => harnessProcesses(loadTestDataDir), 'no postgres, shop or runner process remains');
});

describe('with DATABASE_URL: no plans (the server log is not ours to read), and pg_stat_statements required', () => {
  let server: OpenedDataset;
  let admin: pg.Client;
  const urlOf = (database: string, user = 'postgres') => {
    const u = new URL(server.db.url);
    u.username = user;
    u.pathname = `/${database}`;
    return u.toString();
  };
  before(async () => {
    server = await openDataset({ preset: 'tiny', dataDir: loadTestDataDir });
    admin = new pg.Client(server.db.url);
    await admin.connect();
    for (const sql of [
      'CREATE DATABASE loadlab_audit_external',
      'CREATE ROLE loadlab_nostat LOGIN',
      'CREATE DATABASE loadlab_audit_nostat OWNER loadlab_nostat',
    ]) {
      await admin.query(sql).catch((err: { code?: string }) => {
        if (err.code !== '42P04' && err.code !== '42710') throw err; // made by an earlier run
      });
    }
  });
  after(async () => {
    await admin?.end();
    await server?.db.close();
  });

  test('an external DATABASE_URL: one note, then work from pg_stat_statements alone', {
    timeout: sharedTimeout(120_000),
  }, async () => {
    const out = path.join(dir, 'external');
    const r = await runCli('audit:growth', ['--out', out, '--visitors', '20'], {
      DATABASE_URL: urlOf('loadlab_audit_external'),
    });
    assert.ok(r.code === 0 || r.code === 99, r.stderr);
    const notes = r.stderr.split('\n').filter((l) => l.startsWith('note:'));
    assert.deepEqual(notes, [
      "note: auto_explain's plans go to the server's log, which the audit reads only on the embedded server; work per call falls back to pg_stat_statements' blocks and temp blocks",
    ]);
    const report = JSON.parse(readFileSync(path.join(out, 'growth.json'), 'utf8')) as GrowthReport;
    assert.equal(report.measure, 'statements');
    assert.ok(report.statements.length > 10);
    assert.ok(report.statements.every((s) => s.plan_rows_per_call.every((x) => x === null)));
    assert.ok(
      report.statements.some((s) => /loadlab:product-list:after/.test(s.sql)),
      'every statement is still listed',
    );
  });

  test('without pg_stat_statements: a clear stop before anything is seeded', {
    timeout: sharedTimeout(60_000),
  }, async () => {
    // --out as every test's: without it the command would make reports/growth before its check (run.ts saw it)
    const r = await runCli('audit:growth', ['--out', path.join(dir, 'nostat')], {
      DATABASE_URL: urlOf('loadlab_audit_nostat', 'loadlab_nostat'),
    });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
    assert.match(
      r.stderr,
      /^error: pg_stat_statements is not available in postgres:\/\/loadlab_nostat@.*\/loadlab_audit_nostat: the growth audit measures every statement through it/,
    );
    const tables = await admin.query("SELECT 1 FROM pg_database d WHERE d.datname = 'loadlab_audit_nostat'");
    assert.equal(tables.rowCount, 1);
    const c = new pg.Client(urlOf('loadlab_audit_nostat'));
    await c.connect();
    const seeded = await c.query("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'");
    await c.end();
    assert.equal(seeded.rows[0].n, 0, 'nothing was seeded');
  });
});
