/**
 * Experiment: the SMTP transport alone. The same pre-built messages as baseline (a), sent through
 * Vestnik's SmtpPool (`n` in flight, as the worker's chunks keep them) to the same sink, then
 * through baseline (a) itself, interleaved; prints msg/s and CPU µs per message of each. The messages
 * go in as wire-ready bytes (7-bit, no line starting with a dot), as bulletin messages do: 1000 of them,
 * built before the clock starts and sent in turn.
 *   npx ts-node --transpile-only bench/experiments/transport-cost.ts [messages=100000] [rounds=2]
 */
import { run as pipelined } from '../baselines/smtp-pipelined';
import { BENCH_FROM, prebuiltMessage, recipient } from '../lib/message';
import { startSink } from '../lib/sink';
import { smtpOptions } from '../../src/mail/transport/smtp/smtp-options';
import { SmtpPool } from '../../src/mail/transport/smtp/smtp-pool';

const messages = Number(process.argv[2] ?? 100_000);
const rounds = Number(process.argv[3] ?? 2);
const IN_FLIGHT = 40;

async function viaPool(port: number): Promise<{ perSecond: number; cpuUs: number }> {
  const { personalise } = await prebuiltMessage();
  const built = Array.from({ length: 1000 }, (_, i) => Buffer.from(personalise(i), 'latin1'));
  const pool = new SmtpPool(smtpOptions(`smtp://127.0.0.1:${port}`, 10));
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      for (let i = next++; i < messages; i = next++) await pool.send({ from: BENCH_FROM, to: [recipient(i)], data: built[i % built.length], wireReady: true });
    }),
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  pool.close();
  return { perSecond: messages / seconds, cpuUs: (cpu.user + cpu.system) / messages };
}

async function main(): Promise<void> {
  const sink = await startSink();
  try {
    for (let r = 0; r < rounds; r++) {
      const a = await pipelined({ port: sink.port, messages });
      process.stdout.write(`(a)  ${a.perSecond.toFixed(0).padStart(6)} msg/s ${(a.cpuMsPerMessage * 1000).toFixed(1).padStart(6)} µs/msg\n`);
      const p = await viaPool(sink.port);
      process.stdout.write(`pool ${p.perSecond.toFixed(0).padStart(6)} msg/s ${p.cpuUs.toFixed(1).padStart(6)} µs/msg\n`);
    }
  } finally {
    await sink.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
