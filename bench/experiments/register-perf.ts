/**
 * Registrations (50 connections, a new address each) at one api process, 3 s of warm-up, then
 * `seconds` measured: req/s, p99, api and PostgreSQL CPU per request, with `perf record -e cpu-clock` of the
 * api during the measured part (JIT symbols from --perf-basic-prof).
 *
 *   npx ts-node --transpile-only bench/experiments/register-perf.ts [seconds=15] [outdir=/tmp/prof]
 *   perf report -i /tmp/prof/perf.data --no-children --sort symbol
 *
 * `NO_PERF=1` measures without perf; `BARE=1` runs the bench's bare route instead; `REG_FLAGS="--flag …"` replaces the api's node flags
 * (package.json `start`'s), e.g. `REG_FLAGS=--heap-growing-percent=40`.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createBenchEnv } from '../lib/env';
import { load, LoadOptions } from '../lib/load';
import { cpuMs } from '../lib/proc';
import { startSink } from '../lib/sink';
import { createSite, launchVestnik, productNodeFlags } from '../lib/vestnik';
import { registerBody, WARMUP_SECONDS, withBareServer } from '../scenarios/http';

/**
 * CPU of every PostgreSQL process (backends, WAL writer, …) in ms, counting backends that have
 * ended (the postmaster's ended children).
 */
function postgresCpuMs(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') total += cpuMs(Number(entry), true);
    } catch {
      // the process ended meanwhile
    }
  }
  return total;
}

/**
 * Warm-up, then `seconds` measured: req/s, p99, CPU per request of `pid` and of PostgreSQL, with
 * `perf record` of `pid` over the measured part when `perfOut` is given.
 */
async function measure(pid: number, options: Omit<LoadOptions, 'seconds'>, seconds: number, perfOut?: string): Promise<void> {
  await load({ ...options, seconds: WARMUP_SECONDS });
  if (perfOut) mkdirSync(perfOut, { recursive: true });
  const perf = perfOut
    ? spawn('perf', ['record', '-e', 'cpu-clock', '-F', '999', '-g', '-p', String(pid), '-o', `${perfOut}/perf.data`, '--', 'sleep', String(seconds)], { stdio: 'inherit' })
    : null;
  const cpu0 = cpuMs(pid);
  const pg0 = postgresCpuMs();
  const r = await load({ ...options, seconds });
  const cpuMsPerRequest = (cpuMs(pid) - cpu0) / r.ok;
  const postgresCpuMsPerRequest = (postgresCpuMs() - pg0) / r.ok;
  console.log(JSON.stringify({ rps: r.rps, p99: r.p99, ok: r.ok, non2xx: r.non2xx, cpuMsPerRequest, postgresCpuMsPerRequest }));
  if (perf) await new Promise((resolve) => perf.once('exit', resolve));
}

/** `BARE=1`: the bench's bare route instead, measured over the same window (no perf). */
function bare(seconds: number): Promise<void> {
  return withBareServer((url, _databaseUrl, slug, _siteId, pid) =>
    measure(pid, { url, headers: { 'content-type': 'application/json' }, next: () => ({ path: `/v1/sites/${slug}/subscribers`, body: registerBody() }) }, seconds),
  );
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 15);
  if (process.env.BARE) return bare(seconds);
  const withPerf = !process.env.NO_PERF;
  const flags = process.env.REG_FLAGS !== undefined ? process.env.REG_FLAGS.split(/\s+/).filter(Boolean) : productNodeFlags();
  const sink = await startSink();
  const env = await createBenchEnv();
  try {
    const p = await launchVestnik({ role: 'api', env, smtpUrl: sink.url, label: 'regperf', nodeFlags: withPerf ? [...flags, '--perf-basic-prof'] : flags });
    try {
      const site = await createSite(p.url, 'none');
      const options = {
        url: p.url,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${site.backendKey}` },
        next: () => ({ path: `/v1/sites/${site.slug}/subscribers`, body: registerBody() }),
      };
      await measure(p.pid, options, seconds, withPerf ? (process.argv[3] ?? '/tmp/prof') : undefined);
    } finally {
      await p.stop();
    }
  } finally {
    await env.drop();
    await sink.stop();
  }
}

void main();
