import { pct, statementName, tenantsText } from './advice.ts';
import type { DiagnoseLine, ServerVerdict } from './types.ts';

/** What diagnosis.md needs from a watch: each server's verdict changes, when the cause was first named, its own cost. */
export interface ServerCost {
  name: string;
  /** ms waiting for diagnose's own statements (round trips: an upper bound of the server's time) */
  round_trip_ms: number;
  /** ms the server spent executing them (pg_stat_statements), null without it */
  exec_ms: number | null;
  /** CPU ms of diagnose's backend processes (a server on this machine only), null otherwise */
  backend_cpu_ms: number | null;
}

interface Change {
  at: string;
  server: string;
  state: ServerVerdict['state'] | 'unreachable';
  text: string;
}

/** the part of a verdict that, when it changes, makes a new line: state, cause, the cause's leading tenant */
export function verdictKey(s: ServerVerdict): string {
  const lead = s.cause?.tenants[0];
  return JSON.stringify([s.state, s.cause?.fingerprint ?? null, lead ? lead.tags : null]);
}

export function verdictText(s: ServerVerdict): string {
  const base = `${s.name} (${s.role}): ${s.state}, ${s.running_avg.toFixed(2)} running`;
  if (!s.cause) return base;
  const c = s.cause;
  return `${base}; cause ${statementName(c)} (${pct(c.share_of_work)} of the work, ${Math.round(c.work_per_call).toLocaleString('en-US')} blocks/call); tenants: ${tenantsText(c)}`;
}

export class Journal {
  readonly changes: Change[] = [];
  private readonly keys = new Map<string, string>();
  private readonly firstStressed = new Map<string, string>();
  private readonly firstNamed = new Map<string, { at: string; text: string }>();
  startedAt: string | undefined;
  lastAt: string | undefined;
  lines = 0;

  /** records one interval's line; returns the servers whose verdict changed (piped output prints those) */
  add(line: DiagnoseLine): string[] {
    this.startedAt ??= line.at;
    this.lastAt = line.at;
    this.lines++;
    const changed: string[] = [];
    for (const s of line.servers) {
      const key = verdictKey(s);
      if (s.state === 'stressed' && !this.firstStressed.has(s.name)) this.firstStressed.set(s.name, line.at);
      if (s.cause && !this.firstNamed.has(s.name))
        this.firstNamed.set(s.name, { at: line.at, text: `${statementName(s.cause)} (${tenantsText(s.cause)})` });
      if (this.keys.get(s.name) === key) continue;
      this.keys.set(s.name, key);
      this.changes.push({ at: line.at, server: s.name, state: s.state, text: verdictText(s) });
      changed.push(verdictText(s));
    }
    for (const name of line.unreachable) {
      if (this.keys.get(name) === 'unreachable') continue;
      this.keys.set(name, 'unreachable');
      this.changes.push({ at: line.at, server: name, state: 'unreachable', text: `${name}: not answering` });
      changed.push(`${name}: not answering`);
    }
    return changed;
  }

  /** when the server's cause was first named, and what it was (a mode's report sets it beside its own clock) */
  firstCause(server: string): { at: string; text: string } | undefined {
    return this.firstNamed.get(server);
  }

  markdown(opts: {
    windowS: number;
    intervalS: number;
    costs: ServerCost[];
    elapsedMs: number;
    notes: string[];
  }): string {
    const t = (iso: string | undefined) => (iso ? iso.slice(11, 19) : '-');
    const since = (iso: string, from: string | undefined) =>
      from ? ` (${((Date.parse(iso) - Date.parse(from)) / 1000).toFixed(0)} s after the watch began)` : '';
    const out = [
      '# Live diagnosis',
      '',
      `Watched from ${this.startedAt ?? '-'} to ${this.lastAt ?? '-'} (UTC), a verdict every ${opts.intervalS} s over the last ${opts.windowS} s; ${this.lines} intervals.`,
      '',
      '## When the cause was first named',
      '',
    ];
    const servers = [...new Set([...this.keys.keys(), ...opts.costs.map((c) => c.name)])];
    for (const name of servers) {
      const named = this.firstNamed.get(name);
      const stressed = this.firstStressed.get(name);
      if (named) {
        const afterStress = stressed
          ? `, ${((Date.parse(named.at) - Date.parse(stressed)) / 1000).toFixed(0)} s after it was first stressed`
          : '';
        out.push(`- ${name}: ${named.text} at ${t(named.at)}${since(named.at, this.startedAt)}${afterStress}`);
      } else out.push(`- ${name}: no cause named${stressed ? ` (stressed from ${t(stressed)})` : ''}`);
    }
    out.push('', '## Verdicts over time', '', '| time | server | state | verdict |', '| --- | --- | --- | --- |');
    for (const c of this.changes)
      out.push(`| ${t(c.at)} | ${c.server} | ${c.state} | ${c.text.replaceAll('|', '\\|')} |`);
    out.push('', "## diagnose's own cost", '');
    const s = opts.elapsedMs / 1000;
    for (const c of opts.costs) {
      const exec = c.exec_ms === null ? 'not measured (no pg_stat_statements)' : `${pctOf(c.exec_ms, opts.elapsedMs)}`;
      const cpu =
        c.backend_cpu_ms === null
          ? ''
          : `; its backend process used ${pctOf(c.backend_cpu_ms, opts.elapsedMs)} of one CPU (/proc, the server runs on this machine)`;
      out.push(
        `- ${c.name}: its statements ran ${exec} of the watch's ${s.toFixed(0)} s on the server (pg_stat_statements)${cpu}; their round trips, including the network and this process's own waits, took ${pctOf(c.round_trip_ms, opts.elapsedMs)}`,
      );
    }
    if (opts.notes.length > 0) out.push('', '## Notes', '', ...opts.notes.map((n) => `- ${n}`));
    return `${out.join('\n')}\n`;
  }
}

function pctOf(ms: number, totalMs: number): string {
  if (totalMs <= 0) return '-';
  const p = (100 * ms) / totalMs;
  return `${p < 0.01 ? p.toFixed(3) : p.toFixed(2)} % (${(ms / 1000).toFixed(2)} s)`;
}
