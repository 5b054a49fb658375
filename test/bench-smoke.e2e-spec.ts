import { createBenchEnv } from '../bench/lib/env';
import { startSink, Sink } from '../bench/lib/sink';
import { launchVestnik } from '../bench/lib/vestnik';
import { runBulletin } from '../bench/scenarios/bulletin';

/**
 * The bulletin scenario of `npm run bench` at 1k recipients, so the benchmark cannot rot:
 * real Vestnik processes (api + worker, NODE_ENV=production, compiled), a fresh database and
 * the discard SMTP sink. Correctness only: no timing assertions.
 */
describe('bench smoke: bulletin scenario, 1k recipients', () => {
  let sink: Sink;

  beforeAll(async () => {
    sink = await startSink();
  });

  afterAll(async () => {
    await sink?.stop();
  });

  it('sends every delivery exactly once and keeps the full ledger', async () => {
    const result = await runBulletin({ recipients: 1000, sink });
    expect(result.ledger).toEqual({ sent: 1000, withMessageId: 1000, total: 1000 });
    expect(result.sinkDelivered).toBe(1000);
    expect(result.perSecond).toBeGreaterThan(0);
    expect(result.workerCpuMsPerMessage).toBeGreaterThan(0);
    // Read from /proc for the processes the send keeps busy besides the worker.
    expect(result.postgresCpuMsPerMessage).toBeGreaterThan(0);
    expect(result.sinkCpuMsPerMessage).toBeGreaterThan(0);
    expect(result.totalPeakRssMb).toBeGreaterThan(0);
  }, 120_000);

  it('starts an api process with the young generation it had before Nest loaded, not grown (src/v8-flags.ts)', async () => {
    const env = await createBenchEnv();
    try {
      const api = await launchVestnik({ role: 'api', env, smtpUrl: sink.url, label: 'smoke' });
      try {
        const metrics = await (await fetch(`${api.url}/metrics`)).text();
        const match = /^vestnik_nodejs_heap_space_size_total_bytes\{space="new"\} (\d+)/m.exec(metrics);
        expect(match).not.toBeNull();
        // Two 4 MiB halves; before the hold, start-up had grown them to 16 MiB each (32 MiB).
        expect(Number(match![1])).toBeLessThanOrEqual(8 * 1024 * 1024);
      } finally {
        await api.stop();
      }
    } finally {
      await env.drop();
    }
  }, 120_000);
});
