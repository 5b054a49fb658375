import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';

export interface ReceivedCall {
  body: string;
  json: { id: string; type: string; createdAt: string; data: Record<string, unknown> };
  headers: IncomingHttpHeaders;
  path: string;
}

/** A local HTTP server standing in for a site's webhook endpoint. `answer` picks the status per call. */
export class WebhookReceiver {
  readonly calls: ReceivedCall[] = [];
  answer: (call: ReceivedCall, index: number) => number = () => 200;
  /** Milliseconds to wait before answering (a slow endpoint). */
  delay: (call: ReceivedCall) => number = () => 0;
  private readonly server: Server;
  port = 0;

  constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const call: ReceivedCall = { body, json: JSON.parse(body), headers: req.headers, path: req.url ?? '' };
        const status = this.answer(call, this.calls.length);
        this.calls.push(call);
        const reply = () => {
          if (!res.destroyed) res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'nope');
        };
        const wait = this.delay(call);
        if (wait > 0) setTimeout(reply, wait);
        else reply();
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  url(path = '/hook'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  on(path: string): ReceivedCall[] {
    return this.calls.filter((c) => c.path === path);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
