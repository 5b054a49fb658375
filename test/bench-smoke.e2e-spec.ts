import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

  it('keeps the young generation of a worker at the size it had before Nest loaded (src/v8-flags.ts)', async () => {
    // A worker holds it for its whole life (an api lets it grow again once it serves, so an api's
    // size depends on what it has done since): read when the started worker is told to stop.
    const report = join(tmpdir(), `vestnik-young-${process.pid}-${Date.now()}`);
    const env = await createBenchEnv();
    try {
      const worker = await launchVestnik({
        role: 'worker',
        env,
        smtpUrl: sink.url,
        label: 'smoke',
        extraEnv: {
          NODE_OPTIONS: `--require=${join(__dirname, 'support', 'young-generation-report.js')}`,
          YOUNG_GENERATION_REPORT: report,
        },
      });
      await worker.stop();
      // Two 4 MiB halves; before the hold, start-up had grown them to 16 MiB each (32 MiB).
      expect(Number(readFileSync(report, 'utf8'))).toBeLessThanOrEqual(8 * 1024 * 1024);
    } finally {
      rmSync(report, { force: true });
      await env.drop();
    }
  }, 120_000);
});
