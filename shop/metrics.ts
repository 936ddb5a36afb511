/**
 * Prometheus text exposition, written by hand: four metric families do not justify a dependency.
 * Latency buckets span the product list's range in both variants, from ~1 ms (after) to the 10 s load
 * balancer timeout (before, overloaded).
 */
export const LATENCY_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const;

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

export interface PoolGauges {
  total: number;
  idle: number;
  waiting: number;
  max: number;
}

const label = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export class ShopMetrics {
  private readonly requests = new Map<string, number>();
  private readonly latency = new Map<string, Histogram>();

  /** requests whose visitor closed the connection before the answer, and the statements cancelled for them */
  private left = { requests: 0, cancelled: 0 };

  constructor(private readonly variant: string) {}

  visitorLeft(cancelledStatements: number): void {
    this.left.requests++;
    this.left.cancelled += cancelledStatements;
  }

  observe(route: string, method: string, status: number, seconds: number): void {
    const key = `${route}\u0000${method}\u0000${status}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    let h = this.latency.get(route);
    if (!h) {
      h = { counts: LATENCY_BUCKETS_S.map(() => 0), sum: 0, count: 0 };
      this.latency.set(route, h);
    }
    for (let i = 0; i < LATENCY_BUCKETS_S.length; i++) if (seconds <= LATENCY_BUCKETS_S[i]) h.counts[i]++;
    h.sum += seconds;
    h.count++;
  }

  render(pool: PoolGauges): string {
    const v = label(this.variant);
    const out: string[] = [];
    out.push('# HELP shop_http_requests_total HTTP requests answered, by route, method and status.');
    out.push('# TYPE shop_http_requests_total counter');
    for (const [key, n] of [...this.requests].sort()) {
      const [route, method, status] = key.split('\u0000');
      out.push(
        `shop_http_requests_total{variant="${v}",route="${label(route)}",method="${label(method)}",status="${status}"} ${n}`,
      );
    }
    out.push('# HELP shop_http_request_duration_seconds Time to answer a request, by route.');
    out.push('# TYPE shop_http_request_duration_seconds histogram');
    for (const [route, h] of [...this.latency].sort()) {
      const r = label(route);
      LATENCY_BUCKETS_S.forEach(
        (le, i) =>
          void out.push(
            `shop_http_request_duration_seconds_bucket{variant="${v}",route="${r}",le="${le}"} ${h.counts[i]}`,
          ),
      );
      out.push(`shop_http_request_duration_seconds_bucket{variant="${v}",route="${r}",le="+Inf"} ${h.count}`);
      out.push(`shop_http_request_duration_seconds_sum{variant="${v}",route="${r}"} ${h.sum}`);
      out.push(`shop_http_request_duration_seconds_count{variant="${v}",route="${r}"} ${h.count}`);
    }
    out.push('# HELP shop_db_pool_connections Database pool connections: in use, idle, and the configured maximum.');
    out.push('# TYPE shop_db_pool_connections gauge');
    out.push(`shop_db_pool_connections{variant="${v}",state="in_use"} ${pool.total - pool.idle}`);
    out.push(`shop_db_pool_connections{variant="${v}",state="idle"} ${pool.idle}`);
    out.push(`shop_db_pool_connections{variant="${v}",state="max"} ${pool.max}`);
    out.push('# HELP shop_db_pool_waiting Requests waiting for a database connection.');
    out.push('# TYPE shop_db_pool_waiting gauge');
    out.push(`shop_db_pool_waiting{variant="${v}"} ${pool.waiting}`);
    out.push('# HELP shop_visitor_left_total Requests whose visitor closed the connection before the answer.');
    out.push('# TYPE shop_visitor_left_total counter');
    out.push(`shop_visitor_left_total{variant="${v}"} ${this.left.requests}`);
    out.push('# HELP shop_statements_cancelled_total Statements cancelled because their visitor had left.');
    out.push('# TYPE shop_statements_cancelled_total counter');
    out.push(`shop_statements_cancelled_total{variant="${v}"} ${this.left.cancelled}`);
    return out.join('\n') + '\n';
  }
}
