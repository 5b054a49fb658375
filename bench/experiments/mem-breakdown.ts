/**
 * Where an idle process's RSS is: launches an api and a worker (production build, the product's
 * flags) and prints, a few times over `seconds`, each one's RSS by mapping kind from /proc/<pid>/smaps,
 * and its PSS (shared pages, such as the `node` binary's, divided among the processes that map them).
 *
 *   npx ts-node --transpile-only bench/experiments/mem-breakdown.ts [seconds=30]
 */
import { createBenchEnv } from '../lib/env';
import { pssMb, rssByMapping } from '../lib/proc';
import { startSink } from '../lib/sink';
import { launchVestnik } from '../lib/vestnik';

const show = (label: string, pid: number) => {
  const b = rssByMapping(pid);
  const total = Object.values(b).reduce((a, c) => a + c, 0);
  const parts = Object.entries(b).filter(([, v]) => v >= 0.5).sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k} ${v.toFixed(1)}`);
  console.log(`${label} RSS ${total.toFixed(1)} MB (PSS ${pssMb(pid).toFixed(1)}): ${parts.join(', ')}`);
};

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 30);
  const sink = await startSink();
  const env = await createBenchEnv();
  try {
    const api = await launchVestnik({ role: 'api', env, smtpUrl: sink.url, label: 'mem' });
    const worker = await launchVestnik({ role: 'worker', env, smtpUrl: sink.url, label: 'mem' });
    const t0 = Date.now();
    for (const at of [0, 5, seconds]) {
      await new Promise((r) => setTimeout(r, Math.max(0, t0 + at * 1000 - Date.now())));
      show(`t=${at}s api`, api.pid);
      show(`t=${at}s worker`, worker.pid);
    }
    await api.stop();
    await worker.stop();
  } finally {
    await env.drop();
    await sink.stop();
  }
}

void main();
