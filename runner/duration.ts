import { RunnerError, EXIT } from './errors.ts';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, us: 0.001, µs: 0.001, ns: 1e-6 };

/** k6 durations: `1m30s`, `500ms`, `1.5s`, `2h`; a bare number is milliseconds (as k6 reads numbers). */
export function parseDuration(value: unknown, what: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  if (typeof value === 'string') {
    const s = value.trim();
    if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
    const re = /(\d+(?:\.\d+)?)(ms|us|µs|ns|s|m|h)/gy;
    let total = 0;
    let matched = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(s)) !== null) {
      total += Number(m[1]) * UNITS[m[2]];
      matched = re.lastIndex;
    }
    if (matched === s.length && s.length > 0) return total;
  }
  throw new RunnerError(
    `${what}: '${String(value)}' is not a duration (accepted: e.g. 500ms, 30s, 1m30s, 2h)`,
    EXIT.config,
  );
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const totalS = ms / 1000;
  const h = Math.floor(totalS / 3600);
  const m = Math.floor((totalS % 3600) / 60);
  const s = totalS % 60;
  let out = '';
  if (h) out += `${h}h`;
  if (m) out += `${m}m`;
  if (s || out === '') out += `${Number.isInteger(s) ? s : s.toFixed(1)}s`;
  return out;
}
