import net from 'node:net';

export interface LinkCounts {
  /** connections put through since the link opened */
  connections: number;
  /** connections that arrived while the link was cut */
  arrivedWhileCut: number;
  /** of those, the ones still open at the restore and put through then */
  putThroughAtRestore: number;
}

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
}

interface Held {
  client: net.Socket;
  data: Buffer[];
}

/**
 * One worker's network link to one server (PostgreSQL or Redis): a TCP relay on loopback that the harness cuts
 * and restores. A cut does to TCP what the 06-27 partition did: nothing passes and nothing is refused.
 * - Open connections stall both ways: the relay stops reading, so the sender's data waits in buffers as it would
 *   wait for retransmission, and flows on after the restore if both ends are still there.
 * - New connections are accepted by the kernel but never answered (a relay cannot drop a SYN from user space;
 *   to a client it is the same silence, a handshake that never completes). Those still open at the restore are
 *   put through then, as a retried SYN would be; those their client gave up on are dropped unseen.
 * Clients notice only through their own timeouts.
 */
export class FaultLink {
  private readonly pairs = new Set<Pair>();
  private readonly held = new Set<Held>();
  /** closes that happened during a cut: they reach the other end only after the restore */
  private deferred: (() => void)[] = [];
  private cutAt: number | null = null;
  readonly counts: LinkCounts = { connections: 0, arrivedWhileCut: 0, putThroughAtRestore: 0 };

  private constructor(
    readonly name: string,
    private readonly server: net.Server,
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  static async open(name: string, target: { host: string; port: number }): Promise<FaultLink> {
    const server = net.createServer({ pauseOnConnect: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const link = new FaultLink(name, server, (server.address() as net.AddressInfo).port, target);
    server.on('connection', (client) => link.accept(client));
    return link;
  }

  get isCut(): boolean {
    return this.cutAt !== null;
  }

  cut(): void {
    if (this.isCut) return;
    this.cutAt = Date.now();
    for (const { client, upstream } of this.pairs) {
      client.pause();
      upstream.pause();
    }
  }

  restore(): void {
    if (!this.isCut) return;
    this.cutAt = null;
    for (const { client, upstream } of this.pairs) {
      if (!upstream.writableNeedDrain) client.resume();
      if (!client.writableNeedDrain) upstream.resume();
    }
    for (const h of this.held) {
      h.client.removeAllListeners('data');
      h.client.removeAllListeners('close');
      this.counts.putThroughAtRestore++;
      this.putThrough(h.client, h.data);
    }
    this.held.clear();
    const deferred = this.deferred;
    this.deferred = [];
    for (const fn of deferred) fn();
  }

  async close(): Promise<void> {
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    for (const h of this.held) h.client.destroy();
    this.pairs.clear();
    this.held.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    client.on('error', () => {});
    if (!this.isCut) {
      this.putThrough(client, []);
      return;
    }
    // read (not forward) what the client sends, only to learn whether it is still there at the restore
    this.counts.arrivedWhileCut++;
    const h: Held = { client, data: [] };
    this.held.add(h);
    client.on('data', (d: Buffer) => h.data.push(d));
    client.on('close', () => this.held.delete(h));
    client.resume();
  }

  private putThrough(client: net.Socket, early: Buffer[]): void {
    this.counts.connections++;
    const upstream = net.connect(this.target);
    upstream.on('error', () => {});
    for (const d of early) upstream.write(d);
    const pair = { client, upstream };
    this.pairs.add(pair);
    this.relay(client, upstream);
    this.relay(upstream, client);
    const closeBoth = (other: net.Socket) => () => {
      this.pairs.delete(pair);
      if (this.isCut) this.deferred.push(() => other.destroy());
      else other.destroy();
    };
    client.on('close', closeBoth(upstream));
    upstream.on('close', closeBoth(client));
    if (this.isCut) return;
    client.resume();
    upstream.resume();
  }

  private relay(from: net.Socket, to: net.Socket): void {
    from.on('data', (chunk: Buffer) => {
      if (!to.write(chunk)) from.pause();
    });
    to.on('drain', () => {
      if (!this.isCut) from.resume();
    });
    from.on('end', () => to.end());
  }
}

/** The same server URL, reached through a link: host and port become the relay's. */
export function throughLink(url: string, link: FaultLink): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(link.port);
  return u.toString();
}

/** Host and port a URL names (the relay's target). */
export function targetOf(url: string, defaultPort: number): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname || '127.0.0.1', port: Number(u.port) || defaultPort };
}
