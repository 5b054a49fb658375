/**
 * `npm run bench` — Vestnik against baselines measured in the same run on the same machine.
 *   -- --quick          about two minutes: 10k recipients, one run each
 *   -- --full           1M recipients (and 100k, to compare memory)
 *   -- --only=send,fanout,register,unsubscribe,import,dkim
 *   -- --repeat=N       runs per measurement (median); default 3, quick 1
 *   -- --recipients=N   bulletin size
 *   -- --profile        V8 CPU profile of every Vestnik process (bench/results/profiles/), summarised
 * Prints a Markdown table and appends it to bench/results/<YYYY-MM-DD>.md. Where a row's baseline
 * and Vestnik can both be repeated, their runs alternate (the HTTP rows: in turns of a few seconds)
 * and the ratio is the median of the pairs'.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { summarise } from './profile-summary';
import { cpuMs, runChild, BENCH_DIR } from './lib/proc';
import { Bound, boundText, fmt, header, heldTo, median, medianOf, Row, table, writeResults } from './lib/report';
import { startSink, Sink } from './lib/sink';
import { buildVestnik, profileEveryProcess } from './lib/vestnik';
import { BulletinResult, runBulletin } from './scenarios/bulletin';
import { HttpComparison, registerComparison, TURN_SECONDS, unsubscribeComparison } from './scenarios/http';
import { copyBaseline, dkimBench, importBench, importVestnik } from './scenarios/import';
import { fanoutBaseline } from './scenarios/fanout';

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
const option = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const mode = flag('full') ? 'full' : flag('quick') ? 'quick' : 'default';

const SIZES = {
  quick: { recipients: 10_000, naive: 2_000, repeat: 1, httpSeconds: 3, importRows: 100_000 },
  default: { recipients: 100_000, naive: 20_000, repeat: 3, httpSeconds: 10, importRows: 1_000_000 },
  full: { recipients: 1_000_000, naive: 50_000, repeat: 3, httpSeconds: 10, importRows: 1_000_000 },
}[mode];
const recipients = Number(option('recipients') ?? SIZES.recipients);
const repeat = Number(option('repeat') ?? SIZES.repeat);
const only = option('only')?.split(',');
const wanted = (name: string) => !only || only.includes(name);
const log = (line: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

interface Throughput {
  messages: number;
  seconds: number;
  perSecond: number;
  cpuMsPerMessage: number;
}

/** (a), with the sink's CPU per message while (a) fed it. */
interface PipelinedThroughput extends Throughput {
  sinkCpuMsPerMessage: number;
}

/** Runs actually made per label, for the table (a slow scenario is not repeated). */
const runsMade = new Map<string, number>();

/**
 * `count` runs of `fn`, each logged, "where affordable": once one run has taken longer than
 * `budgetSeconds`, no further runs are made (the table says how many there were).
 */
async function repeated<T>(
  count: number,
  label: string,
  fn: () => Promise<T>,
  show: (run: T) => string = (run) => JSON.stringify(run),
  budgetSeconds = 120,
): Promise<T[]> {
  const runs: T[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = Date.now();
    runs.push(await fn());
    log(`${label} ${i + 1}/${count}: ${show(runs[i])}`);
    if ((Date.now() - t0) / 1000 > budgetSeconds && i + 1 < count) {
      log(`${label}: one run took over ${budgetSeconds} s, not repeating`);
      break;
    }
  }
  runsMade.set(label, runs.length);
  return runs;
}

/** The field-wise median of `repeated` runs. */
const times = async <T extends object>(count: number, label: string, fn: () => Promise<T>): Promise<T> => medianOf(await repeated(count, label, fn));

const runsOf = (label: string) => (runsMade.get(label) === repeat ? '' : ` (${runsMade.get(label) ?? 0} run)`);

interface Paired<B, V> {
  base: B;
  vestnik: V;
  /** Median of the pairs' ratios. */
  ratio: number;
}

/**
 * Baseline and Vestnik runs alternated (baseline 1, Vestnik 1, baseline 2, …) so that a drift of
 * the machine's speed over a scenario's minutes falls on both sides: run after run, one side alone
 * was seen to lose a third of its speed (register baseline 3,451 → 2,490 req/s, its CPU per request
 * 0.111 → 0.153 ms for the same code). The ratio is the median of each pair's ratio; no further
 * pair is made once one has taken longer than `budgetSeconds`.
 */
async function paired<B extends object, V extends object>(
  count: number,
  labels: [string, string],
  base: () => Promise<B>,
  vestnik: () => Promise<V>,
  ratioOf: (b: B, v: V) => number,
  budgetSeconds = 120,
): Promise<Paired<B, V>> {
  const pairs = await repeated(
    count,
    labels[1],
    async () => {
      const b = await base();
      const v = await vestnik();
      return { b, v, ratio: ratioOf(b, v) };
    },
    (p) => `${labels[0]} ${JSON.stringify(p.b)}, ${JSON.stringify(p.v)} (ratio ${fmt(p.ratio, 2)})`,
    budgetSeconds,
  );
  return { base: medianOf(pairs.map((p) => p.b)), vestnik: medianOf(pairs.map((p) => p.v)), ratio: median(pairs.map((p) => p.ratio)) };
}

/** The issue's bounds for the ratios, each written once: a row's verdict and its target text come from it. */
const TARGETS = {
  vsPipelined: { atLeast: 0.5 },
  vsNodemailer: { atLeast: 3 },
  rssGrowth: { atMost: 1.1 },
  fanout: { atLeast: 0.7 },
  http: { atLeast: 0.6 },
  importVsCopy: { atLeast: 0.3 },
} satisfies Record<string, Bound>;
/** Memory limits in MB: all Vestnik processes during a send, and the api during a 1M-row import. */
const RSS_LIMIT_MB = { send: 200, import: 300 };
const limitText = (mb: number) => `≤ ${mb} MB`;

const failed = (scenario: string, error: unknown, target: string): Row => ({
  scenario,
  vestnik: `not measured: ${String((error as Error).message ?? error).split('\n')[0].slice(0, 120).replace(/\|/g, '/')}`,
  baseline: '',
  ratio: null,
  target,
  pass: null,
});

/** The same bulletin through one `VESTNIK_ROLE=all` process: the single-machine deployment. */
async function singleProcessRow(sink: Sink, a: Throughput): Promise<Row> {
  try {
    const single = await runBulletin({ recipients, sink, log, singleProcess: true });
    const singleOk = single.ledger.sent === recipients && single.sinkDelivered === recipients;
    return {
      scenario: `same bulletin, one \`VESTNIK_ROLE=all\` process: msg/s vs (a), peak RSS`,
      vestnik: `${fmt(single.perSecond)} msg/s, ${fmt(single.totalPeakRssMb)} MB${singleOk ? '' : ' (ledger mismatch)'}`,
      baseline: `${fmt(a.perSecond)} msg/s`,
      ratio: single.perSecond / a.perSecond,
      target: limitText(RSS_LIMIT_MB.send),
      pass: singleOk && single.totalPeakRssMb <= RSS_LIMIT_MB.send,
    };
  } catch (error) {
    return failed('same bulletin, one `all` process', error, limitText(RSS_LIMIT_MB.send));
  }
}

async function send(sink: Sink): Promise<Row[]> {
  const naive = Math.min(recipients, SIZES.naive);
  const b = await times(repeat, '(b) nodemailer', () => runChild<Throughput>('baselines/nodemailer-naive', { port: sink.port, messages: naive }).then((r) => r.result));
  const rows: Row[] = [];
  const n = fmt(recipients);
  const pipelined = async (): Promise<PipelinedThroughput> => {
    const sink0 = cpuMs(sink.pid, true);
    const { result } = await runChild<Throughput>('baselines/smtp-pipelined', { port: sink.port, messages: recipients });
    return { ...result, sinkCpuMsPerMessage: (cpuMs(sink.pid, true) - sink0) / result.messages };
  };
  let pair: Paired<PipelinedThroughput, BulletinResult>;
  try {
    pair = await paired(
      mode === 'full' ? 1 : repeat,
      ['(a) pipelined', `bulletin ${n}`],
      pipelined,
      () => runBulletin({ recipients, sink, log }),
      (a, v) => v.perSecond / a.perSecond,
      90,
    );
  } catch (error) {
    return [
      failed(`bulletin ${n} → all sent, msg/s`, error, `${boundText(TARGETS.vsPipelined)} of (a), ${boundText(TARGETS.vsNodemailer)} × (b)`),
      { scenario: '(b) nodemailer sendMail per recipient', vestnik: '', baseline: `${fmt(b.perSecond)} msg/s`, ratio: null, target: '', pass: null },
    ];
  }
  const { base: a, vestnik: v } = pair;
  const ledgerOk = v.ledger.sent === recipients && v.ledger.withMessageId === recipients && v.sinkDelivered === recipients;
  const ledger = ledgerOk ? '' : ` (ledger: ${v.ledger.sent} sent, sink got ${v.sinkDelivered})`;
  rows.push(
    { scenario: `bulletin ${n} → all sent, vs (a) pipelined client${runsOf(`bulletin ${n}`)}`, vestnik: `${fmt(v.perSecond)} msg/s${ledger}`, baseline: `${fmt(a.perSecond)} msg/s`, ...heldTo(pair.ratio, TARGETS.vsPipelined, ledgerOk) },
    { scenario: `bulletin ${n}, vs (b) nodemailer per recipient`, vestnik: `${fmt(v.perSecond)} msg/s`, baseline: `${fmt(b.perSecond)} msg/s`, ...heldTo(v.perSecond / b.perSecond, TARGETS.vsNodemailer, ledgerOk) },
    { scenario: 'worker CPU per message, vs (b)', vestnik: `${fmt(v.workerCpuMsPerMessage, 3)} ms`, baseline: `${fmt(b.cpuMsPerMessage, 3)} ms ((a): ${fmt(a.cpuMsPerMessage, 3)})`, ratio: v.workerCpuMsPerMessage / b.cpuMsPerMessage, target: 'lower is better', pass: null },
    cpuOfAllProcessesRow(v, a),
    {
      scenario: `peak RSS, all Vestnik processes (api + worker), ${n}`,
      vestnik: `${fmt(v.totalPeakRssMb)} MB (worker ${fmt(v.workerPeakRssMb)}, api ${fmt(v.apiPeakRssMb)}; PSS ${fmt(v.totalPeakPssMb)})`,
      baseline: `${fmt(v.totalIdleRssMb)} MB idle before send`,
      ratio: v.totalPeakRssMb / v.totalIdleRssMb,
      target: limitText(RSS_LIMIT_MB.send),
      pass: v.totalPeakRssMb <= RSS_LIMIT_MB.send,
    },
  );
  // The single-process row is left out of --full, where it would add another 1M-recipient send.
  if (mode !== 'full') rows.push(await singleProcessRow(sink, a));
  if (mode === 'full') {
    try {
      const small = await runBulletin({ recipients: 100_000, sink, log });
      const growth = v.totalPeakRssMb / small.totalPeakRssMb;
      rows.push({ scenario: 'peak RSS, 1M vs 100k recipients', vestnik: `${fmt(v.totalPeakRssMb)} MB`, baseline: `${fmt(small.totalPeakRssMb)} MB (100k)`, ...heldTo(growth, TARGETS.rssGrowth) });
    } catch (error) {
      rows.push(failed('peak RSS, 1M vs 100k recipients', error, boundText(TARGETS.rssGrowth)));
    }
  }
  return rows;
}

/**
 * On a machine whose cores are all busy, the send's rate is set by the CPU that every process it
 * keeps busy spends per message, not by the worker's alone; (a) keeps only itself and the sink busy.
 */
function cpuOfAllProcessesRow(v: BulletinResult, a: PipelinedThroughput): Row {
  const parts: Array<[string, number]> = [
    ['worker', v.workerCpuMsPerMessage],
    ['PostgreSQL', v.postgresCpuMsPerMessage],
    ['sink', v.sinkCpuMsPerMessage],
    ['api', v.apiCpuMsPerMessage],
    ['Redis', v.redisCpuMsPerMessage],
  ];
  const total = parts.reduce((sum, [, ms]) => sum + ms, 0);
  const baseline = a.cpuMsPerMessage + a.sinkCpuMsPerMessage;
  return {
    scenario: 'CPU per message of every process the send keeps busy, vs (a) and its sink',
    vestnik: `${fmt(total, 3)} ms (${parts.map(([name, ms]) => `${name} ${fmt(ms, 3)}`).join(', ')})`,
    baseline: `${fmt(baseline, 3)} ms ((a) ${fmt(a.cpuMsPerMessage, 3)}, sink ${fmt(a.sinkCpuMsPerMessage, 3)})`,
    ratio: total / baseline,
    target: 'lower is better',
    pass: null,
  };
}

async function fanout(sink: Sink): Promise<Row[]> {
  try {
    const { base, vestnik, ratio } = await paired(
      mode === 'full' ? 1 : repeat,
      ['fan-out baseline', 'fan-out'],
      () => fanoutBaseline(recipients),
      () => runBulletin({ recipients, sink, fanoutOnly: true, log }),
      (b, v) => v.perSecond / b.perSecond,
    );
    return [
      {
        scenario: `fan-out alone, ${fmt(recipients)} deliveries + send jobs`,
        vestnik: `${fmt(vestnik.perSecond)} rows/s`,
        baseline: `${fmt(base.perSecond)} rows/s`,
        ...heldTo(ratio, TARGETS.fanout),
      },
    ];
  } catch (error) {
    return [failed('fan-out alone', error, boundText(TARGETS.fanout))];
  }
}

/**
 * A request-rate scenario: each of `repeat` rounds starts both servers and loads them in turns
 * (`interleaved` in scenarios/http.ts); a round's ratio is Vestnik's 2xx rate ÷ the baseline's over
 * its turns, and the row's is the median of the rounds'.
 */
async function httpRow(name: string, scenario: string, compare: () => Promise<HttpComparison>): Promise<Row[]> {
  let rounds: HttpComparison[];
  try {
    rounds = await repeated(repeat, name, compare, ({ base, vestnik, turnRatios, ...checks }) => {
      const turns = turnRatios.map((r) => fmt(r, 2)).join(' ');
      // checks: e.g. the distinct subscribers written
      return `baseline ${JSON.stringify(base)}, Vestnik ${JSON.stringify(vestnik)} ${JSON.stringify(checks)}, ratio ${fmt(vestnik.rps / base.rps, 2)} (turns: ${turns})`;
    });
  } catch (error) {
    return [failed(name, error, boundText(TARGETS.http))];
  }
  const b = medianOf(rounds.map((r) => r.base));
  const v = medianOf(rounds.map((r) => r.vestnik));
  const ratio = median(rounds.map((r) => r.vestnik.rps / r.base.rps));
  const failures = rounds.reduce((n, r) => n + r.vestnik.non2xx + r.vestnik.errors, 0);
  const bad = failures > 0 ? `, ${fmt(failures)} failed` : '';
  return [{ scenario, vestnik: `${fmt(v.rps)} (${fmt(v.p99)} ms${bad})`, baseline: `${fmt(b.rps)} (${fmt(b.p99)} ms)`, ...heldTo(ratio, TARGETS.http, !bad) }];
}

const register = (sink: Sink) =>
  httpRow('register', 'register (POST subscribers, `none` site), 50 conn., req/s (p99)', () => registerComparison(SIZES.httpSeconds, sink));

const unsubscribe = (sink: Sink) =>
  httpRow('unsubscribe', 'one-click unsubscribe POST, 50 conn., req/s (p99)', () => unsubscribeComparison(SIZES.httpSeconds, sink));

async function importRows(sink: Sink): Promise<Row[]> {
  const rowsN = SIZES.importRows;
  const base = await times(repeat, 'COPY', () => copyBaseline(rowsN));
  const out: Row[] = [];
  try {
    const v = await times(1, 'import', () => importVestnik(rowsN, sink));
    const ratio = v.perSecond / base.perSecond;
    out.push(
      { scenario: `CSV import of ${fmt(rowsN)} rows (HTTP, streamed)`, vestnik: `${fmt(v.perSecond)} rows/s`, baseline: `${fmt(base.perSecond)} rows/s (COPY)`, ...heldTo(ratio, TARGETS.importVsCopy) },
      { scenario: 'CSV import, peak RSS of the api process', vestnik: `${fmt(v.peakRssMb)} MB`, baseline: '', ratio: null, target: limitText(RSS_LIMIT_MB.import), pass: v.peakRssMb <= RSS_LIMIT_MB.import },
    );
  } catch (error) {
    out.push({ ...failed(`CSV import of ${fmt(rowsN)} rows`, error, boundText(TARGETS.importVsCopy)), baseline: `${fmt(base.perSecond)} rows/s (COPY)` });
  }
  try {
    const b = await importBench(rowsN);
    if (b) {
      // B's benchmark measures its own COPY floor beside the import; its ratio uses that.
      const mine = Number(b.importRowsPerSecond ?? b.perSecond);
      const floor = Number(b.copyRowsPerSecond ?? base.perSecond);
      const ratio = Number.isFinite(mine) && floor > 0 ? mine / floor : null;
      out.push({
        scenario: `CSV import (bench/import.bench.ts, development mode), ${fmt(rowsN)} rows`,
        vestnik: Number.isFinite(mine) ? `${fmt(mine)} rows/s, peak RSS ${fmt(Number(b.appPeakRssMb))} MB` : summary(b),
        baseline: `${fmt(floor)} rows/s (its COPY)`,
        ...(ratio === null ? { ratio, pass: null, bound: TARGETS.importVsCopy } : heldTo(ratio, TARGETS.importVsCopy)),
      });
    }
  } catch (error) {
    out.push(failed('import service alone (bench/import.bench.ts)', error, boundText(TARGETS.importVsCopy)));
  }
  return out;
}

async function dkim(): Promise<Row[]> {
  try {
    const d = await dkimBench();
    if (!d) return [];
    const ratio = typeof d.ratio === 'number' ? d.ratio : null;
    return [{ scenario: 'DKIM signing cost (bench/dkim.bench.ts)', vestnik: summary(d), baseline: typeof d.baseline === 'string' ? d.baseline : '', ratio, target: typeof d.target === 'string' ? d.target : 'informational', pass: typeof d.pass === 'boolean' ? d.pass : null }];
  } catch (error) {
    return [failed('DKIM signing cost', error, 'informational')];
  }
}

/** A one-line rendering of another module's result object. */
function summary(result: Record<string, unknown>): string {
  if (typeof result.summary === 'string') return result.summary;
  return Object.entries(result)
    .filter(([k, v]) => (typeof v === 'number' || typeof v === 'string') && !['baseline', 'ratio', 'target', 'pass'].includes(k))
    .slice(0, 5)
    .map(([k, v]) => `${k} ${typeof v === 'number' ? fmt(v, v < 10 ? 3 : 0) : v}`)
    .join(', ');
}

async function main(): Promise<void> {
  const started = new Date();
  log(`mode ${mode}: ${fmt(recipients)} recipients, ${repeat} run(s) per measurement`);
  await buildVestnik();
  const profileDir = flag('profile') ? join(BENCH_DIR, 'results', 'profiles', started.toISOString().replace(/[:.]/g, '-')) : null;
  if (profileDir) profileEveryProcess(profileDir);
  const sink = await startSink();
  log(`sink: ${sink.kind} on ${sink.port}`);
  const rows: Row[] = [];
  const sections: [string, (s: Sink) => Promise<Row[]>][] = [
    ['send', send],
    ['fanout', fanout],
    ['register', register],
    ['unsubscribe', unsubscribe],
    ['import', importRows],
    ['dkim', () => dkim()],
  ];
  try {
    for (const [name, fn] of sections) {
      if (!wanted(name)) continue;
      log(`— ${name}`);
      try {
        rows.push(...(await fn(sink)));
      } catch (error) {
        rows.push(failed(name, error, ''));
      }
    }
  } finally {
    await sink.stop();
  }
  const seconds = Math.round((Date.now() - started.getTime()) / 1000);
  const about = `Took ${seconds} s; figures are medians of ${repeat} run(s) unless noted; against (a) and for fan-out the baseline's and Vestnik's runs alternate and the ratio is the median of the pairs' ratios; register and unsubscribe load both servers in turns of ${TURN_SECONDS} s, and the ratio is the median of the rounds'.`;
  const markdown = `${header(mode, argv, sink.kind, started, about)}\n\n${table(rows)}\n`;
  process.stdout.write(`\n${markdown}\n`);
  log(`written to ${writeResults(started, markdown)}`);
  if (profileDir && existsSync(profileDir)) {
    for (const file of readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'))) {
      process.stdout.write(`\n${summarise(join(profileDir, file), 15)}\n`);
    }
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
