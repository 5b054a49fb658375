import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { createBenchEnv, withClient } from '../lib/env';
import { BULLETIN } from '../lib/message';
import { cpuMs, cpuMsOfCommands, cpuMsSince, memoryMb, RssSampler } from '../lib/proc';
import { seedSubscribers } from '../lib/seed';
import { Sink } from '../lib/sink';
import { api, createSite, launchVestnik, VestnikProcess } from '../lib/vestnik';

export interface BulletinResult {
  recipients: number;
  seconds: number;
  perSecond: number;
  /** Worker CPU (user + system, from /proc) between send and the last `sent`, per message. */
  workerCpuMsPerMessage: number;
  /**
   * The same window's CPU per message of everything else the send keeps busy: the api process
   * (0 for one `all` process, whose CPU is the worker's), PostgreSQL, Redis and the SMTP sink.
   */
  apiCpuMsPerMessage: number;
  postgresCpuMsPerMessage: number;
  redisCpuMsPerMessage: number;
  sinkCpuMsPerMessage: number;
  apiPeakRssMb: number;
  workerPeakRssMb: number;
  /** Largest simultaneous RSS of all Vestnik processes, sampled every 100 ms. */
  totalPeakRssMb: number;
  /** The same processes' largest summed PSS (shared pages split between them), sampled every 500 ms. */
  totalPeakPssMb: number;
  /** RSS of all Vestnik processes just before the send (started, site created, idle). */
  totalIdleRssMb: number;
  ledger: { sent: number; withMessageId: number; total: number };
  sinkDelivered: number;
}

export interface BulletinOptions {
  recipients: number;
  sink: Sink;
  /** Write V8 CPU profiles of the worker here. */
  cpuProfDir?: string;
  /** Stop after fan-out (the BullMQ send queue is paused) and time only that. */
  fanoutOnly?: boolean;
  extraEnv?: Record<string, string>;
  /** One `VESTNIK_ROLE=all` process (the single-machine deployment) instead of api + worker. */
  singleProcess?: boolean;
  /** Node/V8 flags for both processes instead of the product's (bench/experiments/node-flags.ts). */
  nodeFlags?: string[];
  log?: (line: string) => void;
}

/**
 * One bulletin to `recipients` seeded subscribers, from `POST …/send` until every delivery is
 * `sent` (the bulletin's own `finished_at`), on a fresh database with one api and one worker
 * process (or one `all` process). Verifies the ledger: every delivery `sent` with a Message-ID, and the sink's count.
 */
export async function runBulletin(options: BulletinOptions): Promise<BulletinResult> {
  const log = options.log ?? (() => undefined);
  const env = await createBenchEnv();
  const processes: VestnikProcess[] = [];
  try {
    const common = { env, smtpUrl: options.sink.url, label: 'bulletin', extraEnv: options.extraEnv, nodeFlags: options.nodeFlags };
    const apiProcess = await launchVestnik({ ...common, role: options.singleProcess ? 'all' : 'api' });
    processes.push(apiProcess);
    const worker = options.singleProcess ? apiProcess : await launchVestnik({ ...common, role: 'worker', cpuProfDir: options.cpuProfDir });
    if (worker !== apiProcess) processes.push(worker);
    const site = await createSite(apiProcess.url, 'none');
    await withClient(env.databaseUrl, (c) => seedSubscribers(c, site.id, options.recipients));
    log(`seeded ${options.recipients} subscribers`);
    const bulletin = await api<{ id: string }>(apiProcess.url, 'POST', `/v1/sites/${site.slug}/bulletins`, site.marketingKey, BULLETIN, 201);
    const totalIdleRssMb = processes.reduce((sum, p) => sum + memoryMb(p.pid).rss, 0);
    const sampler = new RssSampler(() => processes.map((p) => p.pid)).start();
    const otherCpu = () => ({
      api: apiProcess === worker ? 0 : apiProcess.cpuMs(),
      services: cpuMsOfCommands(['postgres', 'redis-server']),
      sink: cpuMs(options.sink.pid, true),
    });
    const db = new Client({ connectionString: env.databaseUrl });
    await db.connect();
    try {
      if (options.fanoutOnly) await pauseSendQueue(env.redisPrefix);
      const sinkBefore = options.sink.delivered();
      const cpu0 = worker.cpuMs();
      const others0 = otherCpu();
      const t0 = Date.now();
      await api(apiProcess.url, 'POST', `/v1/sites/${site.slug}/bulletins/${bulletin.id}/send`, site.marketingKey, {}, 202);
      const doneAt = await (options.fanoutOnly ? waitFanout(db, bulletin.id, options.recipients) : waitSent(db, bulletin.id, options.recipients));
      const cpu = worker.cpuMs() - cpu0;
      const others1 = otherCpu();
      const seconds = (doneAt - t0) / 1000;
      const ledger = await db.query<{ sent: string; with_id: string; total: string }>(
        `SELECT count(*) FILTER (WHERE status = 'sent') AS sent,
                count(*) FILTER (WHERE status = 'sent' AND message_id IS NOT NULL AND sent_at IS NOT NULL) AS with_id,
                count(*) AS total
         FROM deliveries WHERE bulletin_id = $1`,
        [bulletin.id],
      );
      // smtp-sink updates its counter as sessions report; give it a moment to catch up.
      const sinkTarget = sinkBefore + (options.fanoutOnly ? 0 : options.recipients);
      for (let i = 0; i < 40 && options.sink.delivered() < sinkTarget; i++) await sleep(50);
      const row = ledger.rows[0];
      return {
        recipients: options.recipients,
        seconds,
        perSecond: options.recipients / seconds,
        workerCpuMsPerMessage: cpu / options.recipients,
        apiCpuMsPerMessage: (others1.api - others0.api) / options.recipients,
        postgresCpuMsPerMessage: cpuMsSince(others0.services.postgres, others1.services.postgres) / options.recipients,
        redisCpuMsPerMessage: cpuMsSince(others0.services['redis-server'], others1.services['redis-server']) / options.recipients,
        sinkCpuMsPerMessage: (others1.sink - others0.sink) / options.recipients,
        apiPeakRssMb: apiProcess.peakRssMb(),
        workerPeakRssMb: worker.peakRssMb(),
        totalPeakRssMb: sampler.stop(),
        totalPeakPssMb: sampler.peakPss,
        totalIdleRssMb,
        ledger: { sent: Number(row.sent), withMessageId: Number(row.with_id), total: Number(row.total) },
        sinkDelivered: options.sink.delivered() - sinkBefore,
      };
    } finally {
      sampler.stop();
      await db.end();
    }
  } finally {
    for (const p of processes.reverse()) await p.stop();
    await env.drop();
  }
}

/** Until the bulletin is `sent`; returns the bulletin's own finish time (ms since epoch). */
async function waitSent(db: Client, bulletinId: string, recipients: number): Promise<number> {
  const deadline = Date.now() + 120_000 + recipients * 5; // ≥ 200 msg/s or it is broken
  // Only the bulletin row is polled: a count over a million deliveries every few seconds
  // took 0.7 s of PostgreSQL each time and slowed the very send it was timing.
  while (Date.now() < deadline) {
    const rows = await db.query<{ status: string; finished_at: Date | null }>('SELECT status, finished_at FROM bulletins WHERE id = $1', [bulletinId]);
    const b = rows.rows[0];
    if (b.status === 'sent') return (b.finished_at ?? new Date()).getTime();
    if (['cancelled', 'paused'].includes(b.status)) throw new Error(`bulletin became ${b.status}`);
    await sleep(100);
  }
  const counts = await db.query<{ status: string; n: string }>(
    'SELECT status, count(*) AS n FROM deliveries WHERE bulletin_id = $1 GROUP BY status',
    [bulletinId],
  );
  throw new Error(`bulletin did not become sent in time: ${counts.rows.map((r) => `${r.status} ${r.n}`).join(', ')}`);
}

async function waitFanout(db: Client, bulletinId: string, recipients: number): Promise<number> {
  const deadline = Date.now() + 60_000 + recipients;
  while (Date.now() < deadline) {
    const rows = await db.query<{ fanout_done: boolean }>('SELECT fanout_done FROM bulletins WHERE id = $1', [bulletinId]);
    if (rows.rows[0].fanout_done) return Date.now();
    await sleep(50);
  }
  throw new Error('fan-out did not finish in time');
}

/** Pauses BullMQ's send queue globally, so workers take no send jobs and fan-out runs alone. */
async function pauseSendQueue(prefix: string): Promise<void> {
  const { Queue } = await import('bullmq');
  const { default: Redis } = await import('ioredis');
  const { REDIS_URL } = await import('../lib/env');
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue('send', { prefix, connection });
  await queue.pause();
  await queue.close();
  connection.disconnect();
}
