import type { Bottleneck, BottleneckKind, CapacityStep, StepUsage } from './types.ts';

/** a single event loop at this share of a core has no time left for the next request */
const LOOP_SATURATED = 0.85;
const MACHINE_SATURATED = 0.85;
/** temp writes this fast are the old query's spills, not a stray sort */
const TEMP_BYTES_DISK = 1024 * 1024;
const READ_BYTES_DISK = 8 * 1024 * 1024;

const pct = (f: number) => `${Math.round(f * 100)} %`;
const cores = (c: number | null) => (c === null ? 'n/a' : `${c.toFixed(2)} cores`);
const mbs = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB/s`;

/**
 * Names what limited a step from its figures, first match wins: the disk (temp spills, reads from storage, or
 * statements waiting on I/O), an event loop whole (the shop's or the runner's), the machine's cores all busy
 * (the database's share of them, or statements queueing in it, deciding between `database` and `machine-cpu`),
 * statements queueing in the database; otherwise the largest user of CPU, said to be below saturation.
 */
export function classify(u: StepUsage): { kind: BottleneckKind; reason: string } {
  const temp = u.db_temp_bytes_per_s ?? 0;
  const read = u.db_read_bytes_per_s ?? 0;
  const active = u.db_active_statements ?? 0;
  const ioShare = active > 0 ? (u.db_io_waiting ?? 0) / active : 0;
  if (temp >= TEMP_BYTES_DISK || read >= READ_BYTES_DISK || (active >= 1 && ioShare >= 0.3))
    return {
      kind: 'disk',
      reason: `the database wrote ${mbs(temp)} of temp files and read ${mbs(read)} from storage, ${active.toFixed(1)} statements running of which ${pct(ioShare)} waited on I/O`,
    };
  if ((u.shop_cpu_cores ?? 0) >= LOOP_SATURATED)
    return { kind: 'shop-cpu', reason: `the shop's event loop used ${cores(u.shop_cpu_cores!)} (one is all it has)` };
  if ((u.runner_cpu_cores ?? 0) >= LOOP_SATURATED)
    return {
      kind: 'runner-cpu',
      reason: `the load runner used ${cores(u.runner_cpu_cores!)} (one is all it has): the load, not the shop, was the limit`,
    };
  const busy = u.machine_cpu_busy ?? 0;
  const busyCores = busy * u.cpus;
  if (busy >= MACHINE_SATURATED) {
    const db = u.db_cpu_cores ?? 0;
    if (db >= 0.6 * busyCores)
      return {
        kind: 'database',
        reason: `the machine's ${u.cpus} cores were ${pct(busy)} busy, the database using ${cores(db)} of the ${cores(busyCores)} in use`,
      };
    // requests queue in the database and it is the largest of ours: adding cores would go to it first
    if (active >= 2 && db >= (u.shop_cpu_cores ?? 0) && db >= (u.runner_cpu_cores ?? 0))
      return {
        kind: 'database',
        reason: `${active.toFixed(1)} statements were running in the database on average, which used ${cores(db)}, more than the shop (${cores(u.shop_cpu_cores)}) and the runner (${cores(u.runner_cpu_cores)}), while the machine's ${u.cpus} cores were ${pct(busy)} busy`,
      };
    const others = Math.max(0, busyCores - db - (u.shop_cpu_cores ?? 0) - (u.runner_cpu_cores ?? 0));
    return {
      kind: 'machine-cpu',
      reason: `the machine's ${u.cpus} cores were ${pct(busy)} busy: the database ${cores(u.db_cpu_cores)}, the shop ${cores(u.shop_cpu_cores)}, the runner ${cores(u.runner_cpu_cores)}, everything else on the machine ${cores(others)}`,
    };
  }
  if (active >= 1)
    return {
      kind: 'database',
      reason: `${active.toFixed(1)} statements were running in the database on average while the cores were ${pct(busy)} busy`,
    };
  const users: [BottleneckKind, number][] = [
    ['database', (u.db_cpu_cores ?? 0) / Math.max(1, u.cpus)],
    ['shop-cpu', u.shop_cpu_cores ?? 0],
    ['runner-cpu', u.runner_cpu_cores ?? 0],
  ];
  users.sort((a, b) => b[1] - a[1]);
  return {
    kind: users[0][0],
    reason: `nothing was saturated (cores ${pct(busy)} busy); the largest user was ${users[0][0] === 'database' ? 'the database' : users[0][0] === 'shop-cpu' ? 'the shop' : 'the runner'} at ${pct(users[0][1])} of what it can use`,
  };
}

/**
 * The bottleneck of a point: the figures of the lowest failing step (where the limit showed) over all repeats,
 * else of the highest passing one; null when no step has figures.
 */
export function pointBottleneck(steps: CapacityStep[]): Bottleneck | null {
  const measured = steps.filter((s) => s.usage);
  const failing = measured.filter((s) => !s.passed).sort((a, b) => a.visitors_per_min - b.visitors_per_min);
  const passing = measured.filter((s) => s.passed).sort((a, b) => b.visitors_per_min - a.visitors_per_min);
  const step = failing[0] ?? passing[0];
  if (!step?.usage) return null;
  const { kind, reason } = classify(step.usage);
  return {
    kind,
    at_visitors_per_min: step.visitors_per_min,
    reason,
    figures: step.usage,
    dropped_iterations: step.dropped_iterations,
  };
}
