/**
 * Register under load with `perf record` on the api process (JIT symbols via --perf-basic-prof).
 * `ts-node --transpile-only bench/experiments/register-perf.ts [seconds] [outdir]`; then
 * `perf report -i <outdir>/perf.data --no-children --sort symbol`.
 */
import { spawn } from 'node:child_process';
import { createBenchEnv } from '../lib/env';
import { load } from '../lib/load';
import { cpuMs } from '../lib/proc';
import { startSink } from '../lib/sink';
import { createSite, launchVestnik, productNodeFlags } from '../lib/vestnik';

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 15);
  const out = process.argv[3] ?? '/tmp/prof';
  const sink = await startSink();
  const env = await createBenchEnv();
  let n = 0;
  try {
    const p = await launchVestnik({ role: 'api', env, smtpUrl: sink.url, label: 'regperf', nodeFlags: [...(process.env.REG_FLAGS !== undefined ? process.env.REG_FLAGS.split(/\s+/).filter(Boolean) : productNodeFlags()), ...(process.env.NO_PERF ? [] : ['--perf-basic-prof'])] });
    try {
      const site = await createSite(p.url, 'none');
      const body = () => JSON.stringify({ email: `Reg.${n++}@Bench-Register.TEST`, name: 'Регистрация', locale: 'ru', consent: { source: 'bench', ip: '203.0.113.7', userAgent: 'autocannon' } });
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${site.backendKey}` };
      await load({ url: p.url, seconds: 3, headers, next: () => ({ path: `/v1/sites/${site.slug}/subscribers`, body: body() }) });
      const perf = process.env.NO_PERF ? null : spawn('perf', ['record', '-e', 'cpu-clock', '-F', '999', '-g', '-p', String(p.pid), '-o', `${out}/perf.data`, '--', 'sleep', String(seconds)], { stdio: 'inherit' });
      const c0 = cpuMs(p.pid);
      const r = await load({ url: p.url, seconds, headers, next: () => ({ path: `/v1/sites/${site.slug}/subscribers`, body: body() }) });
      console.log(JSON.stringify({ rps: r.rps, p99: r.p99, ok: r.ok, non2xx: r.non2xx, cpuMsPerRequest: (cpuMs(p.pid) - c0) / r.ok }));
      if (perf) await new Promise((res) => perf.once('exit', res));
    } finally {
      await p.stop();
    }
  } finally {
    await env.drop();
    await sink.stop();
  }
}
void main();
