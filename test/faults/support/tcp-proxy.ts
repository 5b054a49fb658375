import { createServer, Server, Socket } from 'node:net';

/**
 * A TCP proxy between Vestnik and a dependency (Redis, PostgreSQL) that a test can cut and
 * restore, so an outage hits only the processes of this test, never the shared server.
 *
 * - `cut('refuse')`: drops every open connection and stops listening (ECONNREFUSED).
 * - `cut('blackhole')`: drops every open connection; new ones are accepted and never answered.
 * - `restore()`: forwards again on the same port.
 */
export class TcpProxy {
  port = 0;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private mode: 'open' | 'refuse' | 'blackhole' = 'open';

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** A proxy for a redis:// or postgres:// URL; `rewrite(url)` gives the URL through the proxy. */
  static forUrl(url: string): TcpProxy {
    const parsed = new URL(url);
    const defaults: Record<string, number> = { 'redis:': 6379, 'postgres:': 5432, 'postgresql:': 5432 };
    return new TcpProxy(parsed.hostname, parsed.port ? Number(parsed.port) : defaults[parsed.protocol]);
  }

  rewrite(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(this.port);
    return parsed.toString();
  }

  async start(): Promise<this> {
    await this.listen(this.port);
    return this;
  }

  get connections(): number {
    return this.sockets.size;
  }

  async cut(mode: 'refuse' | 'blackhole' = 'refuse'): Promise<void> {
    this.mode = mode;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (mode === 'refuse') await this.close();
    else if (!this.server) await this.listen(this.port);
  }

  async restore(): Promise<void> {
    for (const socket of this.sockets) socket.destroy(); // blackholed connections
    this.sockets.clear();
    this.mode = 'open';
    if (!this.server) await this.listen(this.port);
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await this.close();
  }

  private listen(port: number): Promise<void> {
    const server = createServer((client) => this.accept(client));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        this.port = (server.address() as { port: number }).port;
        resolve();
      });
    });
  }

  private close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => client.destroy());
    if (this.mode === 'blackhole') return; // accepted, never answered
    const upstream = new Socket();
    this.sockets.add(upstream);
    upstream.on('close', () => {
      this.sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => upstream.destroy());
    client.on('close', () => upstream.destroy());
    upstream.connect(this.targetPort, this.targetHost, () => {
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }
}
