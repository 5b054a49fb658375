import { DeliveryLedger } from '../src/delivery/delivery-ledger';
import { DeliveryQueueService } from '../src/delivery/delivery-queue.service';
import { SubscriptionStateService } from '../src/subscribers/subscription-state.service';
import { addSubscribers, createBulletin, deliveryCounts, Recipient, waitForStatus } from './support/bulletins';
import { SmtpSink } from './support/smtp-sink';
import { createSite, createTestApp, TestApp, waitFor } from './support/test-app';
import { flushPrefix } from './support/test-env';
import { VestnikProcess } from './faults/support/vestnik-process';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const send = (site: Awaited<ReturnType<typeof createSite>>, id: string) =>
  site.marketing.post(`/v1/sites/${site.slug}/bulletins/${id}/send`).expect(202);
const action = (site: Awaited<ReturnType<typeof createSite>>, id: string, verb: string) =>
  site.marketing.post(`/v1/sites/${site.slug}/bulletins/${id}/${verb}`);

/** Messages per recipient of `tag`, from the sink. */
function tally(sink: SmtpSink, tag: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of sink.messages) {
    for (const to of m.envelopeTo) if (to.endsWith(`@${tag}.test`)) counts.set(to, (counts.get(to) ?? 0) + 1);
  }
  return counts;
}
const total = (counts: Map<string, number>) => [...counts.values()].reduce((a, b) => a + b, 0);

/** Everyone got at least one message; extra copies are at most `inFlight`. */
function expectEveryoneOnceWithin(sink: SmtpSink, tag: string, recipients: Recipient[], inFlight: number): void {
  const counts = tally(sink, tag);
  const missed = recipients.filter((r) => !counts.has(r.email));
  expect(missed).toEqual([]);
  expect(total(counts) - recipients.length).toBeLessThanOrEqual(inFlight);
}

async function sendingNow(t: TestApp, bulletinId: string): Promise<number> {
  return (await deliveryCounts(t, bulletinId)).sending ?? 0;
}

describe('Sending across two worker instances', () => {
  let t1: TestApp;
  let t2: TestApp;
  let sink: SmtpSink;

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    // Recovery only at start: completion must come from the send path's open-delivery count.
    const env = { SMTP_URL: sink.url, WEBHOOKS_ALLOW_PRIVATE: 'true', RECOVERY_INTERVAL_SECONDS: '3600' };
    t1 = await createTestApp({ env });
    t2 = await createTestApp({ reuse: t1.env, env: { ...env, VESTNIK_ROLE: 'worker' } });
  });
  afterAll(async () => {
    await t2.close();
    await t1.close();
    await sink.stop();
  });

  it('reaches each of a few hundred subscribers exactly once, and completes without recovery', async () => {
    const site = await createSite(t1);
    const tag = `two-${site.slug}`;
    const recipients = await addSubscribers(t1, site.id, 450, tag);
    await site.marketing.post(`/v1/sites/${site.slug}/webhooks`, { url: 'http://127.0.0.1:9/hook', events: ['bulletin.sent'] }).expect(201);
    const id = await createBulletin(site.marketing, site.slug);
    await send(site, id);
    const done = await waitForStatus(site.marketing, site.slug, id, 'sent');
    // Completion happened once: one bulletin.sent event, with the final counts.
    const events: { data: Record<string, unknown> }[] = await t1.db.query(
      `SELECT data FROM webhook_events WHERE site_id = $1 AND type = 'bulletin.sent'`,
      [site.id],
    );
    expect(events).toHaveLength(1);
    expect(events[0].data).toMatchObject({ bulletinId: id, total: 450, sent: 450, failed: 0, skipped: 0 });
    expect(done.stats).toEqual({ total: 450, queued: 0, sent: 450, failed: 0, skipped: 0, bounced: 0, complained: 0 });
    const counts = tally(sink, tag);
    expect(counts.size).toBe(450);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(new Set(counts.keys())).toEqual(new Set(recipients.map((r) => r.email)));
  });
});

describe('Pause, resume, cancel and leaving during a rate-limited send', () => {
  let t: TestApp;
  let sink: SmtpSink;

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    // 40 messages per second: a 200-recipient bulletin takes ~5 s, long enough to act in the middle.
    t = await createTestApp({ env: { SMTP_URL: sink.url, SEND_RATE_PER_SECOND: '40' } });
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  it('pause stops sending (another bulletin still goes out), resume finishes with nobody twice', async () => {
    const site = await createSite(t);
    const tag = `pause-${site.slug}`;
    const recipients = await addSubscribers(t, site.id, 200, tag);
    const id = await createBulletin(site.marketing, site.slug);
    await send(site, id);
    await waitFor(async () => total(tally(sink, tag)) >= 40, 30_000);
    const paused = await action(site, id, 'pause').expect(200);
    expect(paused.body.status).toBe('paused');
    await waitFor(async () => (await sendingNow(t, id)) === 0);
    const atPause = total(tally(sink, tag));
    expect(atPause).toBeLessThan(200);

    // Another site's bulletin is not held back by the pause.
    const other = await createSite(t);
    const otherTag = `other-${other.slug}`;
    await addSubscribers(t, other.id, 30, otherTag);
    const otherId = await createBulletin(other.marketing, other.slug);
    await send(other, otherId);
    await waitForStatus(other.marketing, other.slug, otherId, 'sent');
    expect(total(tally(sink, otherTag))).toBe(30);
    expect(total(tally(sink, tag))).toBe(atPause);
    const still = await site.marketing.get(`/v1/sites/${site.slug}/bulletins/${id}`).expect(200);
    expect(still.body.status).toBe('paused');
    expect(still.body.stats.queued).toBe(200 - atPause);

    const resumed = await action(site, id, 'resume').expect(200);
    expect(resumed.body.status).toBe('sending');
    const done = await waitForStatus(site.marketing, site.slug, id, 'sent');
    expect(done.stats).toEqual({ total: 200, queued: 0, sent: 200, failed: 0, skipped: 0, bounced: 0, complained: 0 });
    expectEveryoneOnceWithin(sink, tag, recipients, 0);
  });

  it('cancel marks the rest skipped and nothing more goes out', async () => {
    const site = await createSite(t);
    const tag = `cancel-${site.slug}`;
    await addSubscribers(t, site.id, 200, tag);
    const id = await createBulletin(site.marketing, site.slug);
    await send(site, id);
    await waitFor(async () => total(tally(sink, tag)) >= 40, 30_000);
    const cancelled = await action(site, id, 'cancel').expect(200);
    expect(cancelled.body.status).toBe('cancelled');
    await waitFor(async () => (await sendingNow(t, id)) === 0);
    const atCancel = total(tally(sink, tag));
    await sleep(1500);
    expect(total(tally(sink, tag))).toBe(atCancel);
    const after = await site.marketing.get(`/v1/sites/${site.slug}/bulletins/${id}`).expect(200);
    expect(after.body.status).toBe('cancelled');
    expect(after.body.stats).toEqual({ total: 200, queued: 0, sent: atCancel, failed: 0, skipped: 200 - atCancel, bounced: 0, complained: 0 });
    const skipped = await site.marketing.get(`/v1/sites/${site.slug}/bulletins/${id}/deliveries?status=skipped&limit=1`).expect(200);
    expect(skipped.body.items[0].error).toBe('bulletin cancelled');
    await action(site, id, 'resume').expect(409);
  });

  it('a row left queued behind a cancel (an outcome or a fan-out batch that read the bulletin before it) is skipped by the job that carries it', async () => {
    const site = await createSite(t);
    const tag = `cancel-late-${site.slug}`;
    await addSubscribers(t, site.id, 3, tag);
    const id = await createBulletin(site.marketing, site.slug);
    await send(site, id);
    await waitForStatus(site.marketing, site.slug, id, 'sent');
    const [row] = await t.db.query(`SELECT min(id)::text AS id FROM deliveries WHERE bulletin_id = $1`, [id]);
    await t.db.query(`UPDATE deliveries SET status = 'queued', error = '450 busy' WHERE id = $1`, [row.id]);
    await t.db.query(`UPDATE bulletins SET status = 'cancelled' WHERE id = $1`, [id]);
    const before = total(tally(sink, tag));
    await t.app.get(DeliveryQueueService).enqueueChunks(id, [row.id]);
    await waitFor(async () => (await t.db.query(`SELECT status FROM deliveries WHERE id = $1`, [row.id]))[0].status === 'skipped', 15_000);
    const [after] = await t.db.query(`SELECT error, attempts FROM deliveries WHERE id = $1`, [row.id]);
    expect(after).toEqual({ error: 'bulletin cancelled', attempts: 1 });
    await sleep(500);
    expect(total(tally(sink, tag))).toBe(before);
  });

  it('a subscriber who unsubscribes during the send gets no message', async () => {
    const site = await createSite(t);
    const tag = `leave-${site.slug}`;
    const recipients = await addSubscribers(t, site.id, 200, tag);
    const id = await createBulletin(site.marketing, site.slug);
    await send(site, id);
    await waitFor(async () => total(tally(sink, tag)) >= 40, 30_000);
    const waiting: { subscriber_id: string }[] = await t.db.query(
      `SELECT subscriber_id FROM deliveries WHERE bulletin_id = $1 AND status = 'queued' ORDER BY id DESC LIMIT 5`,
      [id],
    );
    expect(waiting).toHaveLength(5);
    const state = t.app.get(SubscriptionStateService);
    for (const { subscriber_id } of waiting) {
      const change = await state.unsubscribe(site.id, subscriber_id, 'api', { source: 'test', bulletinId: id });
      expect(change.subscriber?.status).toBe('unsubscribed');
    }
    const done = await waitForStatus(site.marketing, site.slug, id, 'sent');
    expect(done.stats).toEqual({ total: 200, queued: 0, sent: 195, failed: 0, skipped: 5, bounced: 0, complained: 0 });
    const leavers = new Set(waiting.map((w) => w.subscriber_id));
    const counts = tally(sink, tag);
    for (const r of recipients) expect(counts.get(r.email) ?? 0).toBe(leavers.has(r.id) ? 0 : 1);
  });
});

describe('Crashes and lost queues', () => {
  let t: TestApp;
  let sink: SmtpSink;
  const fastRecovery = { DELIVERY_STUCK_SECONDS: '5', RECOVERY_INTERVAL_SECONDS: '1' };

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    t = await createTestApp({ env: { SMTP_URL: sink.url, SEND_RATE_PER_SECOND: '100', ...fastRecovery } });
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  it('FLUSH of the Redis namespace mid-send: recovery rebuilds the queue, everyone mailed, duplicates ≤ in flight', async () => {
    const site = await createSite(t);
    const tag = `flush-${site.slug}`;
    const recipients = await addSubscribers(t, site.id, 500, tag);
    const id = await createBulletin(site.marketing, site.slug);
    await send(site, id);
    await waitFor(async () => total(tally(sink, tag)) >= 100, 30_000);
    await flushPrefix(t.env.redisPrefix);
    const inFlight = await sendingNow(t, id);
    const done = await waitForStatus(site.marketing, site.slug, id, 'sent', 90_000);
    expect(done.stats).toMatchObject({ total: 500, sent: 500, failed: 0, skipped: 0 });
    expectEveryoneOnceWithin(sink, tag, recipients, inFlight);
  });

  it('an unfinished fan-out resumes from its checkpoint', async () => {
    const site = await createSite(t);
    const tag = `resume-${site.slug}`;
    const recipients = await addSubscribers(t, site.id, 300, tag);
    const sorted = [...recipients].sort((a, b) => (a.id < b.id ? -1 : 1));
    const id = await createBulletin(site.marketing, site.slug);
    // As a worker that died after its first batch would leave it: 100 done, checkpoint there.
    await t.db.query(
      `INSERT INTO deliveries (bulletin_id, subscriber_id, status, attempts, sent_at)
       SELECT $1, unnest($2::uuid[]), 'sent', 1, now()`,
      [id, sorted.slice(0, 100).map((r) => r.id)],
    );
    await t.db.query(
      `UPDATE bulletins SET status = 'sending', started_at = now(), fanout_cursor = $2, fanout_done = false WHERE id = $1`,
      [id, sorted[99].id],
    );
    const done = await waitForStatus(site.marketing, site.slug, id, 'sent', 60_000);
    expect(done.stats).toMatchObject({ total: 300, sent: 300 });
    const counts = tally(sink, tag);
    expect(sorted.slice(0, 100).filter((r) => counts.has(r.email))).toEqual([]);
    expect(sorted.slice(100).every((r) => counts.get(r.email) === 1)).toBe(true);
  });

  /** A bulletin mid-send as the ledger would hold it: `sent` rows, `queued` rows, an open-delivery hint. */
  async function midSend(site: Awaited<ReturnType<typeof createSite>>, tag: string, sent: number, queued: number, hint: number) {
    const recipients = await addSubscribers(t, site.id, sent + queued, tag);
    const sorted = [...recipients].sort((a, b) => (a.id < b.id ? -1 : 1));
    const id = await createBulletin(site.marketing, site.slug);
    await t.db.query(
      `INSERT INTO deliveries (bulletin_id, subscriber_id, status, attempts, sent_at, message_id)
       SELECT $1, s, 'sent', 1, now(), '<' || md5(s::text) || '@example.com>' FROM unnest($2::uuid[]) s`,
      [id, sorted.slice(0, sent).map((r) => r.id)],
    );
    // Carried by no job, as after a lost queue; recovery takes them once DELIVERY_STUCK_SECONDS (5) pass.
    await t.db.query(
      `INSERT INTO deliveries (bulletin_id, subscriber_id, status, message_id)
       SELECT $1, s, 'queued', '<' || md5(s::text) || '@example.com>' FROM unnest($2::uuid[]) s`,
      [id, sorted.slice(sent).map((r) => r.id)],
    );
    await t.db.query(
      `UPDATE bulletins SET status = 'sending', started_at = now(), fanout_done = true, open_deliveries = $2 WHERE id = $1`,
      [id, hint],
    );
    return { id, sorted };
  }

  it('an open-delivery hint left high by a crash: recovery completes the bulletin from the ledger', async () => {
    const site = await createSite(t);
    const { id } = await midSend(site, `hint-high-${site.slug}`, 40, 0, 7);
    const done = await waitForStatus(site.marketing, site.slug, id, 'sent', 20_000);
    expect(done.stats).toMatchObject({ total: 40, sent: 40 });
  });

  it('an open-delivery hint found low is recounted; the bulletin completes only when its ledger is done', async () => {
    const site = await createSite(t);
    const tag = `hint-low-${site.slug}`;
    const { id, sorted } = await midSend(site, tag, 60, 30, 0);
    expect(await t.app.get(DeliveryLedger).completeIfFinished(id)).toBe(false);
    const [{ open }] = await t.db.query(`SELECT open_deliveries AS open FROM bulletins WHERE id = $1`, [id]);
    expect(open).toBe(30);
    const done = await waitForStatus(site.marketing, site.slug, id, 'sent', 60_000);
    expect(done.stats).toMatchObject({ total: 90, sent: 90 });
    const counts = tally(sink, tag);
    expect(sorted.slice(0, 60).filter((r) => counts.has(r.email))).toEqual([]);
    expect(sorted.slice(60).every((r) => counts.get(r.email) === 1)).toBe(true);
  });

  it('no index of deliveries covers a column the send path updates, so those updates stay on their page', async () => {
    const rows: { name: string; def: string }[] = await t.db.query(
      `SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS def
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       WHERE i.indrelid = 'deliveries'::regclass`,
    );
    const updated = ['status', 'attempts', 'error', 'updated_at', 'sent_at', 'retry_at'];
    for (const { name, def } of rows) {
      for (const column of updated) expect(`${name}: ${def}`).not.toMatch(new RegExp(`\\b${column}\\b`));
    }
    const [{ options }] = await t.db.query(`SELECT reloptions AS options FROM pg_class WHERE oid = 'deliveries'::regclass`);
    expect(options).toContain('fillfactor=30');

    // And PostgreSQL agrees: a claim and an outcome, as the ledger writes them, are HOT updates.
    const site = await createSite(t);
    const { id } = await midSend(site, `hot-${site.slug}`, 0, 50, 50);
    const runner = t.db.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      // Counters this backend has not reported yet, so only the difference is ours.
      const counters = async (): Promise<{ updated: number; hot: number }> =>
        (
          await runner.query(
            `SELECT pg_stat_get_xact_tuples_updated('deliveries'::regclass)::int AS updated,
                    pg_stat_get_xact_tuples_hot_updated('deliveries'::regclass)::int AS hot`,
          )
        )[0];
      const before = await counters();
      await runner.query(
        `UPDATE deliveries SET status = 'sending', attempts = attempts + 1, retry_at = NULL, updated_at = now() WHERE bulletin_id = $1`,
        [id],
      );
      await runner.query(
        `UPDATE deliveries SET status = 'sent', error = NULL, sent_at = now(), updated_at = now() WHERE bulletin_id = $1`,
        [id],
      );
      const after = await counters();
      expect({ updated: after.updated - before.updated, hot: after.hot - before.hot }).toEqual({ updated: 100, hot: 100 });
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });
});

describe('A worker process killed with SIGKILL mid-send', () => {
  let t: TestApp;
  let sink: SmtpSink;
  const workers: VestnikProcess[] = [];

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    // The killed worker's connections end with ECONNRESET; the sink must not treat that as fatal.
    (sink as unknown as { server: { on(event: 'error', handler: () => void): void } }).server.on('error', () => undefined);
    t = await createTestApp({ env: { SMTP_URL: sink.url, VESTNIK_ROLE: 'api' } });
  });
  afterAll(async () => {
    for (const w of workers) await w.kill();
    await t.close();
    await sink.stop();
  });

  const startWorker = async (name: string) => {
    const worker = await VestnikProcess.start('worker', name, {
      ...t.env.env,
      SMTP_URL: sink.url,
      SEND_RATE_PER_SECOND: '100',
      DELIVERY_STUCK_SECONDS: '5',
      RECOVERY_INTERVAL_SECONDS: '1',
      LOG_LEVEL: 'warn',
    });
    workers.push(worker);
    return worker;
  };

  it('another worker finishes the bulletin: everyone mailed, duplicates ≤ messages in flight at the kill', async () => {
    const site = await createSite(t);
    const tag = `kill-${site.slug}`;
    const recipients = await addSubscribers(t, site.id, 500, tag);
    const first = await startWorker('worker-1');
    const id = await createBulletin(site.marketing, site.slug);
    await send(site, id);
    await waitFor(async () => total(tally(sink, tag)) >= 100, 90_000, 20);
    await first.kill();
    const inFlight = await sendingNow(t, id);
    expect(total(tally(sink, tag))).toBeLessThan(500);
    await startWorker('worker-2');
    const done = await waitForStatus(site.marketing, site.slug, id, 'sent', 120_000);
    expect(done.stats).toMatchObject({ total: 500, sent: 500, failed: 0 });
    expectEveryoneOnceWithin(sink, tag, recipients, inFlight);
  });
});
