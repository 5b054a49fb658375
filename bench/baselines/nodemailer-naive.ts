/**
 * Baseline (b): the naive path. nodemailer `sendMail({ html, text, … })` per recipient through
 * a pooled transport of 10 connections, so nodemailer builds every MIME message from scratch.
 *
 * nodemailer does not set TCP_NODELAY: its small final write (`\r\n.\r\n`) then waits for the
 * peer's delayed ACK, about 40 ms, which caps a connection at ~22 msg/s on loopback. The baseline
 * hands nodemailer NODELAY sockets (`getSocket`) so it is bound by its own CPU, as it is meant to be.
 */
import { connect } from 'node:net';
import { createTransport } from 'nodemailer';
import { BENCH_FROM, recipient, renderedBulletin } from '../lib/message';

interface Args {
  port: number;
  messages: number;
  connections?: number;
}

export async function run(args: Args): Promise<{ messages: number; seconds: number; perSecond: number; cpuMsPerMessage: number }> {
  const connections = args.connections ?? 10;
  const transport = createTransport({
    pool: true,
    maxConnections: connections,
    maxMessages: Infinity,
    host: '127.0.0.1',
    port: args.port,
    secure: false,
    ignoreTLS: true,
    getSocket: (_options: unknown, callback: (error: Error | null, socket?: { connection: unknown }) => void) => {
      const socket = connect(args.port, '127.0.0.1');
      socket.setNoDelay(true);
      socket.once('connect', () => callback(null, { connection: socket }));
      socket.once('error', (error) => callback(error));
    },
  } as Parameters<typeof createTransport>[0]);
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  // Enough sends in flight to keep every pooled connection busy.
  await Promise.all(
    Array.from({ length: connections * 4 }, async () => {
      while (next < args.messages) {
        const i = next++;
        const unsubscribe = `https://vestnik.bench.test/unsubscribe/${String(i).padStart(95, 'X')}`;
        const content = renderedBulletin(`Подписчик ${i}`, 'Бенч', 'https://bench.vestnik.test', unsubscribe);
        await transport.sendMail({
          from: { name: 'Бенч', address: BENCH_FROM },
          to: recipient(i),
          subject: content.subject,
          html: content.html,
          text: content.text,
          headers: {
            'List-Unsubscribe': `<${unsubscribe}>`,
            'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
            'List-Id': '<bench.vestnik.test>',
          },
        });
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  transport.close();
  return { messages: args.messages, seconds, perSecond: args.messages / seconds, cpuMsPerMessage: (cpu.user + cpu.system) / 1000 / args.messages };
}
