/**
 * Same-run comparison of V8 flags on the bulletin send path: runs the bulletin scenario with
 * each set of Vestnik node flags in turn (interleaved, `--rounds` times), on one sink, and
 * prints throughput, worker CPU per message and peak RSS per set. Each set replaces the product's
 * flags (package.json `start`, see productNodeFlags in bench/lib/vestnik.ts) on the command line.
 *
 *   npx ts-node --transpile-only bench/experiments/node-flags.ts --recipients=20000 --rounds=2 \
 *     "" "--max-semi-space-size=2" "--max-semi-space-size=4"
 *
 * An empty string means no flags on the command line (then the worker and `all` roles set
 * `--heap-growing-percent=40` themselves, src/v8-flags.ts; a `--heap-growing-percent=N` in a set
 * replaces it, and `--heap-growing-percent=0` is V8's default growth); `product` means package.json's.
 * `--single` runs one `VESTNIK_ROLE=all` process instead of api + worker.
 */
import { runBulletin, BulletinResult } from '../scenarios/bulletin';
import { startSink } from '../lib/sink';
import { productNodeFlags } from '../lib/vestnik';

const args = process.argv.slice(2);
const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const recipients = Number(option('recipients') ?? 20_000);
const rounds = Number(option('rounds') ?? 1);
const singleProcess = args.includes('--single');
const sets = args.filter((a) => !/^--(recipients=|rounds=|single$)/.test(a));

async function main(): Promise<void> {
  const sink = await startSink();
  const results = new Map<string, BulletinResult[]>(sets.map((s) => [s, []]));
  for (let round = 0; round < rounds; round++) {
    for (const flags of sets) {
      const nodeFlags = flags === 'product' ? productNodeFlags() : flags.split(/\s+/).filter(Boolean);
      const r = await runBulletin({ recipients, sink, nodeFlags, singleProcess });
      results.get(flags)!.push(r);
      process.stderr.write(
        `[${new Date().toISOString().slice(11, 19)}] ${JSON.stringify(flags || 'defaults')}: ${r.perSecond.toFixed(0)} msg/s, ` +
          `worker ${r.workerCpuMsPerMessage.toFixed(3)} ms/msg, peak ${r.totalPeakRssMb.toFixed(0)} MB ` +
          `(worker ${r.workerPeakRssMb.toFixed(0)}, api ${r.apiPeakRssMb.toFixed(0)}; idle ${r.totalIdleRssMb.toFixed(0)})\n`,
      );
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`| node flags | msg/s | worker ms/msg | peak RSS api+worker | worker VmHWM | api VmHWM | idle |`);
  console.log(`| --- | ---: | ---: | ---: | ---: | ---: | ---: |`);
  for (const [flags, rs] of results) {
    const m = (f: (r: BulletinResult) => number, d = 0) => median(rs.map(f)).toFixed(d);
    console.log(
      `| ${flags ? '`' + flags + '`' : 'none (defaults)'} | ${m((r) => r.perSecond)} | ${m((r) => r.workerCpuMsPerMessage, 3)} | ${m((r) => r.totalPeakRssMb)} MB | ${m((r) => r.workerPeakRssMb)} MB | ${m((r) => r.apiPeakRssMb)} MB | ${m((r) => r.totalIdleRssMb)} MB |`,
    );
  }
  await sink.stop();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
