import pg from 'pg';

export interface LinkGateOptions {
  databaseUrl: string;
  /** pause between two probes */
  intervalMs?: number;
  /** a probe that takes longer than this counts as "link down": a silent network answers nothing at all */
  timeoutMs?: number;
  /** probes in a row that must pass before the link counts as back */
  upAfter?: number;
  onChange(open: boolean, reason: string): void;
}

/**
 * The operators' fix after 2026-06-27: a task worker takes tasks only while it can reach PostgreSQL. It asks
 * every half second on a connection of its own (SELECT 1, one second at most), closes at the first probe or
 * task that finds the link gone, and opens again after two good probes in a row, so a flapping link does not
 * flap the worker.
 */
export class PostgresLinkGate {
  private isOpen = true;
  private goodInRow = 0;
  private client: pg.Client | undefined;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly o: LinkGateOptions) {}

  get open(): boolean {
    return this.isOpen;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** A task found the link gone before the probe did. */
  close(reason: string): void {
    this.goodInRow = 0;
    if (!this.isOpen) return;
    this.isOpen = false;
    this.o.onChange(false, reason);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    this.drop();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const failure = await this.probe();
      if (failure !== null) this.close(failure);
      else if (!this.isOpen && ++this.goodInRow >= (this.o.upAfter ?? 2)) {
        this.isOpen = true;
        this.o.onChange(true, 'probes pass again');
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, this.o.intervalMs ?? 500);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  /** null when PostgreSQL answered in time, else why not */
  private async probe(): Promise<string | null> {
    const timeoutMs = this.o.timeoutMs ?? 1_000;
    try {
      if (!this.client) {
        const c = new pg.Client({
          connectionString: this.o.databaseUrl,
          connectionTimeoutMillis: timeoutMs,
          query_timeout: timeoutMs,
          application_name: 'loadlab-link-gate',
        });
        c.on('error', () => {});
        this.client = c;
        await c.connect();
      }
      await this.client.query('SELECT 1');
      return null;
    } catch (err) {
      this.drop();
      return (err as Error)?.message ?? String(err);
    }
  }

  private drop(): void {
    const c = this.client;
    this.client = undefined;
    // not awaited: on a silent link pg destroys the socket, and nothing may ever confirm the end
    void c?.end().catch(() => {});
  }
}
