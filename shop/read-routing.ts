import type pg from 'pg';
import { UserError } from '../common/user-error.ts';
import { badRequest } from './errors.ts';

/** A replica the shop may read its GET pages from, by the name operators call it (replica-1, ...). */
export interface ReadServer {
  name: string;
  url: string;
}

export const PRIMARY = 'primary';

/**
 * Where the shop's GET pages read: a pool per replica, as pretix's database router sends reads to a replica and
 * writes to the primary. Carts and orders always use the primary's pool; the operators move the reads with the
 * `reads` switch. Without replicas every read goes to the primary.
 */
export class ReadRouter {
  private readonly pools = new Map<string, pg.Pool>();
  private current: string;

  constructor(
    private readonly primary: pg.Pool,
    private readonly servers: ReadServer[],
    private readonly makePool: (url: string) => pg.Pool,
  ) {
    for (const s of servers) this.pools.set(s.name, makePool(s.url));
    this.current = servers[0]?.name ?? PRIMARY;
  }

  /** the server names a switch accepts */
  get names(): string[] {
    return [...this.servers.map((s) => s.name), PRIMARY];
  }

  get reads(): string {
    return this.current;
  }

  /** the pool of the server the reads go to now */
  pool(): pg.Pool {
    return this.current === PRIMARY ? this.primary : this.pools.get(this.current)!;
  }

  /** a 400 naming the servers there are, when `name` is none of them */
  check(name: string, field: string): void {
    if (!this.names.includes(name))
      throw badRequest(`"${field}" must be one of ${this.names.join(', ')}, got ${JSON.stringify(name)}`);
  }

  route(name: string): void {
    this.check(name, 'reads');
    this.current = name;
  }

  /**
   * After a server restarted: its pooled connections are dead, so the pool is replaced and the old one ended in
   * the background (a request still holding a client finishes on it, or fails as it would have anyway).
   */
  reconnect(name: string): void {
    this.check(name, 'restart');
    if (name === PRIMARY) return; // the primary's pool drops broken clients itself; writes must not be cut off
    const old = this.pools.get(name)!;
    this.pools.set(name, this.makePool(this.servers.find((s) => s.name === name)!.url));
    void old.end().catch(() => {});
  }

  async end(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.end().catch(() => {})));
  }
}

/** SHOP_READ_URLS: "replica-1=postgres://...,replica-2=postgres://..." (how the harness hands them to its shop) */
export function parseReadUrls(raw: string | undefined): ReadServer[] {
  if (!raw?.trim()) return [];
  return raw.split(',').map((pair) => {
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    const url = pair.slice(eq + 1).trim();
    if (eq <= 0 || !/^[a-z][a-z0-9-]{0,30}$/.test(name) || name === PRIMARY || !/^postgres(ql)?:\/\//.test(url))
      throw new UserError(
        `SHOP_READ_URLS entry '${pair}' is not name=postgres://... (accepted: comma-separated, names like replica-1)`,
      );
    return { name, url };
  });
}

export const readUrlsEnv = (servers: ReadServer[]): string => servers.map((s) => `${s.name}=${s.url}`).join(',');
