import type { CauseVerdict, ServerVerdict, StatementInfo, TenantShare } from './types.ts';

/** The sentences an operator reads: what the cause costs, whose traffic it is, what to do next. */

export const pct = (share: number) => `${Math.round(share * 100)} %`;

export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v >= 100 || u === 0 ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');

/** A statement's name for a person: its naming comment, else the start of its SQL. */
export function statementName(s: Pick<StatementInfo, 'label' | 'sql'>, max = 60): string {
  if (s.label) return s.label;
  return s.sql.length <= max ? s.sql : `${s.sql.slice(0, max - 1).trimEnd()}…`;
}

export function tenantName(t: TenantShare): string {
  const entries = Object.entries(t.tags);
  if (entries.length === 0) return 'tenant unknown';
  return entries.map(([k, v]) => `${k}=${v}`).join(',');
}

export function tenantsText(c: CauseVerdict): string {
  if (c.tenants.length === 0) return 'tenant unknown';
  return c.tenants.map((t) => `${tenantName(t)} ${pct(t.share)}`).join(', ');
}

type Judged = Pick<ServerVerdict, 'state' | 'running_avg' | 'cause' | 'symptoms' | 'waits'>;

export function nextStep(v: Judged, largest: { name: StatementInfo; share: number } | null, blockSize: number): string {
  const running = `${v.running_avg.toFixed(2)} statements running on average`;
  if (v.state === 'quiet') return `Nothing to do: the server is quiet (${running}).`;
  const c = v.cause;
  if (c) {
    const name = statementName(c);
    const reads =
      c.measured_by === 'statements'
        ? `reads ${int(c.work_per_call)} blocks (${bytes(c.work_per_call * blockSize)}) per call${c.temp_bytes_per_s > 0 ? `, spilling ${bytes(c.temp_bytes_per_s)}/s to temporary files` : ''}`
        : 'runs long on every call (activity samples; pg_stat_statements is not available)';
    const top = c.tenants[0];
    const shed =
      !top || Object.keys(top.tags).length === 0
        ? `its callers are not tagged (tenant unknown): tag the application's statements with sqlcommenter to see whose traffic it is, or stop the caller of this statement`
        : `disabling ${tenantName(top)} sheds about ${pct(top.share * c.share_of_work)} of the server's work (${pct(top.share)} of this statement's running time)`;
    const symptoms = v.symptoms.length > 0 ? `; ${v.symptoms.length} slower statement(s) only wait behind it` : '';
    return `${name} is the cause: it ${reads} and does ${pct(c.share_of_work)} of the work; ${shed}${symptoms}.`;
  }
  if (v.state === 'busy') {
    const big = largest ? `; the largest share: ${statementName(largest.name)} (${pct(largest.share)})` : '';
    return `Keeping up (${running})${big}.`;
  }
  const wait = v.waits[0]
    ? ` The running statements mostly wait on ${v.waits[0].wait} (${pct(v.waits[0].share)}).`
    : '';
  const big = largest
    ? `the largest, ${statementName(largest.name)}, has only ${pct(largest.share)} of the work or active time, or costs little per call`
    : 'no statement stands out';
  return `Stressed (${running}) without a single cause: ${big}; look for a surge across many statements.${wait}`;
}

/** Several servers: where the load is, and whether the same statement is the cause on more than one. */
export function platformLine(servers: ServerVerdict[], unreachable: string[]): string | null {
  if (servers.length + unreachable.length < 2) return null;
  const loaded = servers.filter((s) => s.state !== 'quiet').sort((a, b) => b.running_avg - a.running_avg);
  const where =
    loaded.length === 0
      ? 'no load on any server'
      : `load on ${loaded.map((s) => `${s.name} (${s.role}, ${s.state}, ${s.running_avg.toFixed(1)} running)`).join(', ')}`;
  const byCause = new Map<string, ServerVerdict[]>();
  for (const s of servers)
    if (s.cause) byCause.set(s.cause.fingerprint, [...(byCause.get(s.cause.fingerprint) ?? []), s]);
  const shared = [...byCause.values()].find((list) => list.length > 1);
  const moved = shared
    ? `; the same cause ${statementName(shared[0].cause!)} on ${shared.map((s) => s.name).join(' and ')}: the load moved, the cause did not (re-routing or restarting will not help)`
    : '';
  const gone = unreachable.length > 0 ? `; not answering: ${unreachable.join(', ')}` : '';
  return `${where}${moved}${gone}`;
}
