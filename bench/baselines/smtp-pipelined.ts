/**
 * Baseline (a): the transport ceiling. A minimal SMTP client on raw sockets, `connections`
 * connections with PIPELINING (RFC 2920): after each message's terminating dot the next
 * MAIL/RCPT/DATA group goes out in the same write, so every message costs one round trip.
 * Messages are pre-built (see prebuiltMessage); only To and Message-ID change.
 */
import { connect, Socket } from 'node:net';
import { BENCH_FROM, prebuiltMessage, recipient } from '../lib/message';

interface Args {
  port: number;
  messages: number;
  connections?: number;
}

class Replies {
  private buffer = '';
  private waiting: { count: number; codes: number[]; resolve: (codes: number[]) => void; reject: (e: Error) => void } | null = null;
  private ready: number[] = [];

  constructor(socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString('latin1');
      let at: number;
      while ((at = this.buffer.indexOf('\r\n')) >= 0) {
        const line = this.buffer.slice(0, at);
        this.buffer = this.buffer.slice(at + 2);
        if (line[3] === '-') continue; // multi-line reply continues
        this.ready.push(Number(line.slice(0, 3)));
        this.flush();
      }
    });
    socket.on('error', (error) => this.waiting?.reject(error));
  }

  next(count: number): Promise<number[]> {
    return new Promise((resolve, reject) => {
      this.waiting = { count, codes: [], resolve, reject };
      this.flush();
    });
  }

  private flush(): void {
    const w = this.waiting;
    if (!w) return;
    while (this.ready.length && w.codes.length < w.count) w.codes.push(this.ready.shift()!);
    if (w.codes.length === w.count) {
      this.waiting = null;
      w.resolve(w.codes);
    }
  }
}

function expect(codes: number[], wanted: number[], what: string): void {
  if (codes.some((c, i) => c !== wanted[i])) throw new Error(`${what}: got ${codes.join(',')}`);
}

async function connection(port: number, take: () => number | null, personalise: (i: number) => string): Promise<number> {
  const socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  const replies = new Replies(socket);
  expect(await replies.next(1), [220], 'greeting');
  socket.write('EHLO bench.vestnik.test\r\n');
  expect(await replies.next(1), [250], 'EHLO');
  const envelope = (i: number) => `MAIL FROM:<${BENCH_FROM}>\r\nRCPT TO:<${recipient(i)}>\r\nDATA\r\n`;
  let sent = 0;
  let current = take();
  if (current === null) {
    socket.end('QUIT\r\n');
    return 0;
  }
  socket.write(envelope(current));
  expect(await replies.next(3), [250, 250, 354], 'envelope');
  for (;;) {
    const following = take();
    // Message body, its terminator and (pipelined) the next envelope in one write.
    socket.write(personalise(current) + '\r\n.\r\n' + (following === null ? '' : envelope(following)));
    if (following === null) {
      expect(await replies.next(1), [250], 'end of data');
      sent++;
      break;
    }
    expect(await replies.next(4), [250, 250, 250, 354], 'data + envelope');
    sent++;
    current = following;
  }
  socket.end('QUIT\r\n');
  return sent;
}

export async function run(args: Args): Promise<{ messages: number; seconds: number; perSecond: number; cpuMsPerMessage: number; bytes: number }> {
  const { personalise, bytes } = await prebuiltMessage();
  let next = 0;
  const take = () => (next < args.messages ? next++ : null);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const counts = await Promise.all(Array.from({ length: args.connections ?? 10 }, () => connection(args.port, take, personalise)));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const messages = counts.reduce((a, b) => a + b, 0);
  return { messages, seconds, perSecond: messages / seconds, cpuMsPerMessage: (cpu.user + cpu.system) / 1000 / messages, bytes };
}
