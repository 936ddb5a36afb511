import { UserError } from '../../common/user-error.ts';
import { bytes, pct, statementName, tenantsText } from '../stats/live/advice.ts';
import type { DiagnoseLine, ServerVerdict } from '../stats/live/types.ts';

/** The live screen (a terminal, refreshed in place like top): every server's verdict, its cause and next step. */
export function screen(line: DiagnoseLine): string {
  const out = [
    `loadlab diagnose  ${line.at.slice(0, 19).replace('T', ' ')} UTC  window ${line.window_s} s  (Ctrl-C to stop)`,
    '',
  ];
  if (line.platform) out.push(`platform: ${line.platform}`, '');
  for (const s of line.servers) out.push(...serverBlock(s), '');
  for (const name of line.unreachable) out.push(`${name}: NOT ANSWERING`, '');
  return out.join('\n');
}

function serverBlock(s: ServerVerdict): string[] {
  const io =
    s.io_read_bytes_per_s === null
      ? ''
      : `  io ${bytes(s.io_read_bytes_per_s)}/s read, ${bytes(s.io_write_bytes_per_s ?? 0)}/s written`;
  const temp = s.temp_bytes_per_s === null ? '' : `  temp ${bytes(s.temp_bytes_per_s)}/s`;
  const lines = [`${s.name}  ${s.role}  ${s.state.toUpperCase()}  ${s.running_avg.toFixed(2)} running${temp}${io}`];
  if (s.waits.length > 0) lines.push(`  waits: ${s.waits.map((w) => `${w.wait} ${pct(w.share)}`).join(', ')}`);
  if (s.cause) {
    const c = s.cause;
    lines.push(
      `  CAUSE  ${statementName(c, 70)}  [${c.fingerprint}]`,
      `         ${pct(c.share_of_work)} of the work, ${Math.round(c.work_per_call).toLocaleString('en-US')} blocks/call, temp ${bytes(c.temp_bytes_per_s)}/s`,
      `         tenants: ${tenantsText(c)}`,
    );
  }
  for (const y of s.symptoms) lines.push(`  symptom  ${statementName(y, 60)}  x${y.slowdown} time per call, same work`);
  lines.push(`  next: ${s.next_step}`);
  return lines;
}

/** A postgres:// URL with a database, or one line naming the bad value and what is accepted. */
export function checkServerUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UserError(`--database-url '${raw}' is not a URL (accepted: postgres://user:password@host:port/database)`);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')
    throw new UserError(
      `--database-url scheme '${url.protocol}' is not supported (accepted: postgres:// or postgresql://)`,
    );
  if (!url.pathname || url.pathname === '/')
    throw new UserError(
      `--database-url '${url.host}' names no database (accepted: postgres://user:password@host:port/database)`,
    );
  return url.toString();
}
