/**
 * The platform in the day's report: each server per period (who took the reads, temp writes, statements running,
 * replay lag), diagnose after each move, and the no-loss check. Nothing on one server.
 */
import { fmtBytes, fmtInt, fmtMs, fmtNum } from '../cli/format.ts';
import { L, R, txt } from '../report/cells.ts';
import type { Cell, Section } from '../report/document.ts';
import type { TimelineSummary } from './types.ts';

const na = (s: string | null): Cell => txt(s ?? 'n/a');

export function platformSections(s: TimelineSummary): Section[] {
  const servers = s.topology?.servers ?? [];
  if (servers.length < 2) return [];
  const rows = s.periods.flatMap((p) =>
    (p.servers ?? []).map((v): Cell[] => [
      txt(`${p.clock}${p.time_assumed ? ' (time assumed)' : ''}`),
      txt(p.name),
      txt(`${v.name} (${v.role})`),
      txt(v.reads ? 'yes' : ''),
      na(fmtBytes(v.temp_bytes_per_s)),
      na(fmtNum(v.running_avg)),
      na(v.role === 'replica' ? fmtMs(v.replication_lag_ms) : '-'),
      na(fmtInt(v.product_list_calls ?? null)),
    ]),
  );
  const sections: Section[] = [
    {
      id: 'platform',
      title: 'Which server carried the load',
      paragraphs: [
        `The day ran on ${servers.map((x) => `${x.name} (${x.role})`).join(', ')}: the shop reads its GET pages (calendar, product list) from one server and writes carts and orders on the primary, as pretix does. The operators' two moves before the cut, reroute and all-primary, have no clock time in the post-mortem: their times are assumed, between 12:45 (the team complete) and 13:22 (the cut). Figures from each server's own statistics, sampled every second; temp bytes/s are the bytes the server's processes wrote, read from /proc as they were written (the spills, and little else; pg_stat_database would count a query's temp bytes only when it ends, after a move for a query started before it), or pg_stat_database's count for a server not on this machine; the lag is the largest seen in the period. The DB columns elsewhere in this report are the primary's.`,
      ],
      tables: [
        {
          headers: [
            'Clock (UTC)',
            'Period',
            'Server',
            'Reads',
            'Temp bytes/s',
            'Running avg',
            'Replay lag max',
            'Product-list calls',
          ],
          align: [L, L, L, L, R, R, R, R],
          rows,
        },
      ],
    },
  ];
  if (s.moves?.length)
    sections.push({
      id: 'moves',
      title: 'diagnose after each move',
      paragraphs: [
        "After each move the load sits on another server; the question the post-mortem's team faced is whether it is a new problem. diagnose watched all servers; here the first verdict naming the cause on the server now taking the reads.",
      ],
      tables: [
        {
          headers: ['Move', 'At', 'Reads now on', 'Cause named there', 'After the move'],
          align: [L, R, L, L, R],
          rows: s.moves.map((m) => [
            txt(m.period),
            txt(`${fmtNum(m.at_s)} s`),
            txt(m.server),
            txt(m.named?.cause ?? 'not named in the period'),
            txt(m.named ? `${fmtNum(m.named.after_move_s)} s` : '-'),
          ]),
        },
      ],
    });
  const n = s.no_loss;
  if (n)
    sections.push({
      id: 'no-loss',
      title: 'Nothing lost while the reads moved',
      paragraphs: [
        `Every cart add and checkout the shop acknowledged from ${fmtNum(n.from_s)} s to ${fmtNum(n.to_s)} s, looked up on the primary after the day: ${fmtInt(n.cart_adds)} cart adds (their positions, unless the cart was checked out) and ${fmtInt(n.checkouts)} orders; missing ${fmtInt(n.missing_positions)} positions and ${fmtInt(n.missing_orders)} orders. The replicas ${n.replicas_caught_up ? 'had replayed everything the primary wrote' : 'had NOT caught up with the primary'} by then.`,
      ],
      tables: [],
    });
  return sections;
}
