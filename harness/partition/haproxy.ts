import net from 'node:net';
import writeFileAtomic from 'write-file-atomic';
import { UserError } from '../../common/user-error.ts';
import { freeLoopbackPort } from '../process/ports.ts';
import { debianProgram, startGuarded } from '../process/guarded.ts';
import type { Service } from '../process/service.ts';

/** A web worker seen from the load balancer going out of rotation (DOWN) or back in (UP). */
export interface RotationEvent {
  at_ms: number;
  worker: string;
  state: 'UP' | 'DOWN';
}

export interface Balancer {
  /** where visitors go, e.g. http://127.0.0.1:41234 */
  url: string;
  events: RotationEvent[];
  /** how haproxy ended if it ends without stop(): pending otherwise */
  unexpectedEnd: Promise<string>;
  stop(): Promise<void>;
}

/** Health checks: every second (every half second once one failed), each answers within a second, two in a row decide. */
export const HEALTH_CHECK = { interval_s: 1, fast_interval_s: 0.5, timeout_s: 1, fall: 2, rise: 2 } as const;
/** How long the load balancer waits for a page before it asks another web worker. */
export const PAGE_TIMEOUT_S = 3;

/**
 * The load balancer in front of the web workers, as pretix runs one: HAProxy with active health checks on
 * /healthz, so a web worker that reaches neither PostgreSQL nor Redis leaves the rotation. Until its checks
 * fail (a few seconds), visitors still reach it:
 * - a page (GET) is safe to ask again: one a silent worker does not answer within PAGE_TIMEOUT_S goes to another;
 * - a cart add or checkout goes to another worker only when the first one said it could not reach the queue
 *   (503) or gave up waiting for the task (504). That is safe because every such request carries its
 *   request_id: the second worker finds the same task, and its stored answer if it already ran. A failed task
 *   (500) is never resent: the visitor decides, as on 06-27.
 */
export function haproxyConfig(port: number, workers: { name: string; port: number }[], timeoutS: number): string {
  const hc = HEALTH_CHECK;
  return `# written by loadlab's load:partition for one replay
global
  maxconn 4096

defaults
  mode http
  timeout connect 1s
  timeout client 30s
  timeout queue ${timeoutS}s
  timeout server ${timeoutS}s

frontend shop
  bind 127.0.0.1:${port}
  use_backend pages if METH_GET
  default_backend actions

backend pages
  option httpchk GET /healthz
  http-check expect status 200
  timeout check ${hc.timeout_s}s
  default-server inter ${hc.interval_s}s fastinter ${hc.fast_interval_s * 1000}ms fall ${hc.fall} rise ${hc.rise}
  timeout server ${PAGE_TIMEOUT_S}s
  retries 2
  option redispatch 1
  retry-on conn-failure empty-response response-timeout 503
${workers.map((w) => `  server ${w.name} 127.0.0.1:${w.port} check`).join('\n')}

backend actions
  retries 2
  option redispatch 1
  retry-on conn-failure empty-response 503 504
${workers.map((w) => `  server ${w.name} 127.0.0.1:${w.port} track pages/${w.name}`).join('\n')}
`;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Starts Debian's haproxy in the foreground with its config written to `cfg`; watches its server state lines. */
export async function startBalancer(
  workers: { name: string; port: number }[],
  cfg: string,
  timeoutS: number,
): Promise<Balancer> {
  const bin = debianProgram('/usr/sbin/haproxy', 'haproxy');
  const port = await freeLoopbackPort();
  writeFileAtomic.sync(cfg, haproxyConfig(port, workers, timeoutS));
  const events: RotationEvent[] = [];
  const onLine = (line: string) => {
    const m = /Server pages\/(\S+) is (UP|DOWN)/.exec(line);
    if (m) events.push({ at_ms: Date.now(), worker: m[1], state: m[2] as 'UP' | 'DOWN' });
  };
  // -db: foreground, no daemon; -V prints the polling line we take as "configured"
  const service: Service = await startGuarded(
    'haproxy',
    [bin, '-f', cfg, '-db', '-V'],
    /Using \w+\(\) as the polling mechanism/,
    { onLine, timeoutMs: 15_000 },
  );
  const deadline = Date.now() + 5_000;
  while (!(await accepts(port))) {
    if (Date.now() > deadline) {
      await service.stop();
      throw new UserError(`haproxy started but does not accept connections on 127.0.0.1:${port} (config ${cfg})`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url: `http://127.0.0.1:${port}`, events, unexpectedEnd: service.unexpectedEnd, stop: () => service.stop() };
}
