/**
 * Registrations (50 connections, a new address each) at one api process, 3 s of warm-up, then
 * `seconds` measured: req/s, p99 and api CPU per request, with `perf record -e cpu-clock` of the
 * api during the measured part (JIT symbols from --perf-basic-prof).
 *
 *   npx ts-node --transpile-only bench/experiments/register-perf.ts [seconds=15] [outdir=/tmp/prof]
 *   perf report -i /tmp/prof/perf.data --no-children --sort symbol
 *
 * `NO_PERF=1` measures without perf; `REG_FLAGS="--flag …"` replaces the api's node flags
 * (package.json `start`'s), e.g. `REG_FLAGS=--heap-growing-percent=40`.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createBenchEnv } from '../lib/env';
import { load } from '../lib/load';
import { cpuMs } from '../lib/proc';
import { startSink } from '../lib/sink';
import { createSite, launchVestnik, productNodeFlags } from '../lib/vestnik';

const WARMUP_SECONDS = 3;

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 15);
  const out = process.argv[3] ?? '/tmp/prof';
  const withPerf = !process.env.NO_PERF;
  const flags = process.env.REG_FLAGS !== undefined ? process.env.REG_FLAGS.split(/\s+/).filter(Boolean) : productNodeFlags();
  const sink = await startSink();
  const env = await createBenchEnv();
  let n = 0;
  try {
    const p = await launchVestnik({ role: 'api', env, smtpUrl: sink.url, label: 'regperf', nodeFlags: withPerf ? [...flags, '--perf-basic-prof'] : flags });
    try {
      const site = await createSite(p.url, 'none');
      const options = {
        url: p.url,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${site.backendKey}` },
        next: () => ({
          path: `/v1/sites/${site.slug}/subscribers`,
          body: JSON.stringify({ email: `Reg.${n++}@Bench-Register.TEST`, name: 'Регистрация', locale: 'ru', consent: { source: 'bench', ip: '203.0.113.7', userAgent: 'autocannon' } }),
        }),
      };
      await load({ ...options, seconds: WARMUP_SECONDS });
      if (withPerf) mkdirSync(out, { recursive: true });
      const perf = withPerf
        ? spawn('perf', ['record', '-e', 'cpu-clock', '-F', '999', '-g', '-p', String(p.pid), '-o', `${out}/perf.data`, '--', 'sleep', String(seconds)], { stdio: 'inherit' })
        : null;
      const cpu0 = cpuMs(p.pid);
      const r = await load({ ...options, seconds });
      console.log(JSON.stringify({ rps: r.rps, p99: r.p99, ok: r.ok, non2xx: r.non2xx, cpuMsPerRequest: (cpuMs(p.pid) - cpu0) / r.ok }));
      if (perf) await new Promise((resolve) => perf.once('exit', resolve));
    } finally {
      await p.stop();
    }
  } finally {
    await env.drop();
    await sink.stop();
  }
}

void main();
