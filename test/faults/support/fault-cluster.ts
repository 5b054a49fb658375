import { Queue } from 'bullmq';
import { appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import request from 'supertest';
import { migrate } from '../../../src/database/migrate';
import { redisOptions } from '../../../src/queue/redis-options';
import { AdminClient, createSite, TestApp, withKey } from '../../support/test-app';
import { ADMIN_KEY, createTestEnvironment, flushPrefix, TEST_REDIS_URL, TestEnvironment } from '../../support/test-env';
import { FaultSink } from './fault-sink';
import { TcpProxy } from './tcp-proxy';
import { sleep, VestnikProcess } from './vestnik-process';

/** `npm run chaos` sets CHAOS_SCALE=full: the sizes; `npm test` keeps every scenario small. */
export const FULL_SCALE = process.env.CHAOS_SCALE === 'full';
export const scale = <T>(small: T, full: T): T => (FULL_SCALE ? full : small);

export const FAULT_REPORT = process.env.FAULT_REPORT ?? join(tmpdir(), 'vestnik-fault-report.jsonl');

export type Site = Awaited<ReturnType<typeof createSite>>;

/**
 * Vestnik as separate `api` and `worker` child processes on a fresh database and Redis prefix,
 * reaching Redis through a proxy the test can cut, and mailing into a FaultSink.
 */
export class FaultCluster {
  api!: VestnikProcess;
  readonly workers: VestnikProcess[] = [];
  readonly sink = new FaultSink();
  readonly redisProxy = TcpProxy.forUrl(TEST_REDIS_URL);
  /** With `databaseProxy`, the children reach PostgreSQL through this one (the test's own pool does not). */
  databaseProxy: TcpProxy | null = null;
  /** Direct pool (not through the proxy), named so pg_terminate_backend can spare it. */
  db!: Pool;
  private env!: TestEnvironment;
  private childEnv: Record<string, string> = {};
  private queues: Queue[] = [];

  static async start(options: { env?: Record<string, string>; workers?: number; databaseProxy?: boolean } = {}): Promise<FaultCluster> {
    const cluster = new FaultCluster();
    await cluster.boot(options.env ?? {}, options.workers ?? 1, options.databaseProxy ?? false);
    return cluster;
  }

  private async boot(extra: Record<string, string>, workers: number, databaseProxy: boolean): Promise<void> {
    this.env = await createTestEnvironment();
    await migrate(this.env.databaseUrl); // once here, so the children only find it done
    this.db = new Pool({ connectionString: this.env.databaseUrl, application_name: 'vestnik-fault-test', max: 4 });
    // pool.end() resolves once its clients have sent Terminate, not once their backends are gone, so
    // the DROP DATABASE … WITH (FORCE) of close() can still terminate one (57P01), which the pool
    // emits as an 'error' and, with no listener, fails the suite after its tests passed.
    this.db.on('error', () => undefined);
    await this.sink.start();
    await this.redisProxy.start();
    if (databaseProxy) this.databaseProxy = await TcpProxy.forUrl(this.env.databaseUrl).start();
    this.childEnv = {
      ...this.env.env,
      ...(this.databaseProxy ? { DATABASE_URL: this.databaseProxy.rewrite(this.env.databaseUrl) } : {}),
      REDIS_URL: this.redisProxy.rewrite(TEST_REDIS_URL),
      SMTP_URL: this.sink.url,
      LOG_LEVEL: 'warn',
      ...extra,
    };
    const [api] = await Promise.all([
      VestnikProcess.start('api', 'api', this.childEnv),
      ...Array.from({ length: workers }, () => this.startWorker()),
    ]);
    this.api = api;
  }

  get redisPrefix(): string {
    return this.env.redisPrefix;
  }

  get databaseName(): string {
    return new URL(this.env.databaseUrl).pathname.slice(1);
  }

  http = (): ReturnType<typeof request> => request(this.api.url);

  get admin(): AdminClient {
    return withKey(this.http, ADMIN_KEY);
  }

  /** A site with a backend and a marketing key, through the API. */
  createSite(overrides: Record<string, unknown> = {}): Promise<Site> {
    return createSite(this as unknown as TestApp, overrides);
  }

  /** Starts a worker and waits until its send processor is listening on the queue. */
  async startWorker(env: Record<string, string> = {}): Promise<VestnikProcess> {
    // A worker killed a moment ago may still be listed by Redis: wait until only the living are.
    const living = this.workers.filter((w) => w.running).length;
    const settle = Date.now() + 15_000;
    while ((await this.workerCount()) > living && Date.now() < settle) await sleep(100);
    const before = await this.workerCount();
    const worker = await VestnikProcess.start('worker', `worker-${this.workers.length + 1}`, { ...this.childEnv, ...env });
    this.workers.push(worker);
    const deadline = Date.now() + 90_000;
    while ((await this.workerCount()) <= before) {
      if (!worker.running) throw new Error(`${worker.name} exited during start-up:\n${worker.log()}`);
      if (Date.now() > deadline) throw new Error(`${worker.name} never listened on the send queue:\n${worker.log()}`);
      await sleep(250);
    }
    return worker;
  }

  /** BullMQ workers connected to the send queue (seen directly in Redis, not through the proxy). */
  async workerCount(queue = 'send'): Promise<number> {
    let q = this.queues.find((x) => x.name === queue);
    if (!q) {
      q = new Queue(queue, {
        prefix: this.env.redisPrefix,
        connection: redisOptions(TEST_REDIS_URL, { maxRetriesPerRequest: 1 }),
      });
      this.queues.push(q);
    }
    return q.getWorkersCount();
  }

  /** FLUSHDB of this test's namespace only. */
  flushRedis(): Promise<void> {
    return flushPrefix(this.env.redisPrefix);
  }

  /** Terminates every PostgreSQL backend of this test's database except the test's own pool. */
  async terminateBackends(): Promise<number> {
    const result = await this.db.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = $1 AND pid <> pg_backend_pid() AND application_name <> 'vestnik-fault-test'`,
      [this.databaseName],
    );
    return result.rowCount ?? 0;
  }

  /** `n` active subscribers r<i>@<domain>, written directly (the scenarios are about sending). */
  async seedActive(siteId: string, n: number, domain = 'fault.test'): Promise<string[]> {
    for (let start = 0; start < n; start += 10_000) {
      const count = Math.min(10_000, n - start);
      await this.db.query(
        `INSERT INTO subscribers (site_id, email, email_normalized, name, locale, status, confirmed_at)
         SELECT $1, 'r' || i || '@' || $2::text, 'r' || i || '@' || $2::text, 'Reader ' || i, 'en', 'active', now()
           FROM generate_series($3::int, $4::int) AS i`,
        [siteId, domain, start, start + count - 1],
      );
    }
    return Array.from({ length: n }, (_, i) => `r${i}@${domain}`);
  }

  async createBulletin(site: Site, subject = 'Fault drill {{site.name}}'): Promise<string> {
    const res = await site.marketing
      .post(`/v1/sites/${site.slug}/bulletins`, {
        subject,
        html: '<h1>Hello {{subscriber.name}}</h1><p>Issue of the day.</p>',
        text: 'Hello {{subscriber.name}}',
      })
      .expect(201);
    return res.body.id as string;
  }

  async sendBulletin(site: Site, bulletinId: string): Promise<void> {
    await site.marketing.post(`/v1/sites/${site.slug}/bulletins/${bulletinId}/send`, {}).expect(202);
  }

  /** Delivery rows of a bulletin by status, straight from PostgreSQL. */
  async deliveryCounts(bulletinId: string): Promise<Record<string, number>> {
    const rows = await this.db.query<{ status: string; n: string }>(
      'SELECT status, count(*) AS n FROM deliveries WHERE bulletin_id = $1 GROUP BY status',
      [bulletinId],
    );
    const counts: Record<string, number> = { queued: 0, sending: 0, sent: 0, failed: 0, skipped: 0 };
    for (const row of rows.rows) counts[row.status] = Number(row.n);
    return counts;
  }

  async bulletinRow(bulletinId: string): Promise<{ status: string; error: string | null }> {
    const rows = await this.db.query('SELECT status, error FROM bulletins WHERE id = $1', [bulletinId]);
    return rows.rows[0];
  }

  /** Waits until the bulletin is `sent` (or `status`), failing with the processes' output. */
  async waitForBulletin(bulletinId: string, status = 'sent', timeoutMs = scale(120_000, 900_000)): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const row = await this.bulletinRow(bulletinId);
      if (row?.status === status) return;
      if (Date.now() > deadline) {
        const counts = await this.deliveryCounts(bulletinId);
        throw new Error(
          `bulletin is ${row?.status} (${JSON.stringify(counts)}, error ${row?.error}), not ${status}, ` +
            `after ${timeoutMs} ms; sink has ${this.sink.forBulletin(bulletinId).length}\n${this.logs()}`,
        );
      }
      await sleep(250);
    }
  }

  /** Waits until at least `n` messages of the bulletin reached the sink. */
  async waitForSunk(bulletinId: string, n: number, timeoutMs = scale(60_000, 600_000)): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.sink.forBulletin(bulletinId).length < n) {
      if (Date.now() > deadline) {
        throw new Error(`only ${this.sink.forBulletin(bulletinId).length} of ${n} messages arrived\n${this.logs()}`);
      }
      await sleep(50);
    }
  }

  /** Every process's output, for failure messages. */
  logs(): string {
    return [this.api, ...this.workers]
      .filter(Boolean)
      .map((p) => `--- ${p.name} (pid ${p.pid}) ---\n${p.log().slice(process.env.FAULT_DEBUG ? -60_000 : -6000)}`)
      .join('\n');
  }

  async close(): Promise<void> {
    if (process.env.FAULT_DEBUG) process.stderr.write(`${this.logs()}\n`);
    await Promise.all([this.api, ...this.workers].filter(Boolean).map((p) => p.kill()));
    await Promise.all(this.queues.map((q) => q.close()));
    await this.redisProxy.stop();
    await this.databaseProxy?.stop();
    await this.sink.stop();
    await this.db?.end();
    await this.env?.drop();
  }
}

/** Compares what the sink accepted with the deliveries ledger of one bulletin. */
export async function auditBulletin(
  cluster: FaultCluster,
  bulletinId: string,
  expected: string[],
): Promise<{ expected: number; delivered: number; duplicated: number; missing: string[]; messageIdsStable: boolean; sentNotSunk: number }> {
  const sunk = cluster.sink.forBulletin(bulletinId);
  const byRecipient = new Map<string, string[]>();
  for (const m of sunk) byRecipient.set(m.to, [...(byRecipient.get(m.to) ?? []), bare(m.messageId)]);
  const missing = expected.filter((e) => !byRecipient.has(e.toLowerCase()));
  const duplicated = sunk.length - byRecipient.size;
  const messageIdsStable = [...byRecipient.values()].every((ids) => ids.every((id) => id && id === ids[0]));
  // Nothing may be `sent` in the ledger unless the sink accepted that very Message-ID.
  const sunkIds = new Set(sunk.map((m) => bare(m.messageId)));
  const sent = await cluster.db.query<{ message_id: string | null }>(
    `SELECT message_id FROM deliveries WHERE bulletin_id = $1 AND status = 'sent'`,
    [bulletinId],
  );
  const sentNotSunk = sent.rows.filter((r) => !r.message_id || !sunkIds.has(bare(r.message_id))).length;
  return { expected: expected.length, delivered: byRecipient.size, duplicated, missing, messageIdsStable, sentNotSunk };
}

/** A Message-ID without its angle brackets, so header and ledger compare equal. */
function bare(id: string | null): string {
  return (id ?? '').trim().replace(/^<|>$/g, '');
}

/** One line of the fault report (the table in README / the issue note comes from these). */
export function report(row: Record<string, unknown>): void {
  appendFileSync(FAULT_REPORT, `${JSON.stringify({ at: new Date().toISOString(), scale: FULL_SCALE ? 'full' : 'small', ...row })}\n`);
}
