import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of one target, for network faults. `blackhole()` cuts every connection
 * off without closing it, as a partition does: nothing is read from either side, so bytes wait
 * in the kernel's buffers (TCP's retransmissions, in effect) and new connections hang unanswered.
 * `heal()` lets the held bytes through, in order, as when a partition ends.
 */
export class TcpProxy {
  private readonly pairs = new Set<[Socket, Socket]>();
  private cut = false;
  private server: Server | null = null;
  /** Connections accepted so far. */
  accepted = 0;

  private constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** Listen on a free local port, forwarding to `target` (`http://host:port` or `host:port`). */
  static async start(target: string): Promise<TcpProxy> {
    const u = new URL(target.includes('://') ? target : `tcp://${target}`);
    const proxy = new TcpProxy(u.hostname, Number(u.port));
    await proxy.listen();
    return proxy;
  }

  /** The proxy's own address, `http://127.0.0.1:PORT`. */
  get url(): string {
    const address = this.server?.address();
    if (!address || typeof address !== 'object') throw new Error('proxy is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  get blackholed(): boolean {
    return this.cut;
  }

  /** Stop forwarding, both ways, on every connection, old and new. */
  blackhole(): void {
    this.cut = true;
    for (const [a, b] of this.pairs) {
      a.pause();
      b.pause();
    }
  }

  /** Forward again, held bytes first. */
  heal(): void {
    this.cut = false;
    for (const [a, b] of this.pairs) {
      a.resume();
      b.resume();
    }
  }

  async close(): Promise<void> {
    for (const [a, b] of this.pairs) {
      a.destroy();
      b.destroy();
    }
    this.pairs.clear();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  private listen(): Promise<void> {
    this.server = createServer((client) => this.accept(client));
    return new Promise((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, '127.0.0.1', () => resolve());
    });
  }

  private accept(client: Socket): void {
    this.accepted++;
    const upstream = connect(this.targetPort, this.targetHost);
    const pair: [Socket, Socket] = [client, upstream];
    this.pairs.add(pair);
    if (this.cut) {
      client.pause();
      upstream.pause();
    }
    this.forward(client, upstream);
    this.forward(upstream, client);
    const end = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  }

  /** Like `pipe`, but back-pressure never resumes a side while the proxy is cut. */
  private forward(from: Socket, to: Socket): void {
    from.on('data', (chunk) => {
      if (!to.write(chunk)) from.pause();
    });
    to.on('drain', () => {
      if (!this.cut) from.resume();
    });
    from.on('end', () => to.end());
  }
}
