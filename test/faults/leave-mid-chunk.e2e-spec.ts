import { RECHECK_MS } from '../../src/delivery/send.service';
import { FaultCluster, report } from './support/fault-cluster';
import { startBulletin } from './support/scenario';

const RECIPIENTS = 200;
const SINK_DELAY_MS = 400;

/**
 * Scenario 10: people unsubscribe or are erased while the chunk that holds their delivery is
 * being sent to a slow server (every chunk is claimed at the start and takes ~10 s). Their
 * messages stop within about RECHECK_MS: only those already with the server, and those handed
 * over before the chunk's next look, still go out.
 */
describe('Fault 10: subscribers leave while their chunk is being sent', () => {
  let c: FaultCluster;
  beforeAll(async () => {
    c = await FaultCluster.start({ workers: 1 });
    c.sink.delayMs = SINK_DELAY_MS;
  });
  afterAll(async () => {
    await c?.close();
  });

  it('10. no message handed over more than a look later; erased people leave no SMTP text behind', async () => {
    const { site, bulletinId, recipients } = await startBulletin(c, RECIPIENTS, 'leave.test');
    await c.waitForSunk(bulletinId, 10);
    const sunkSoFar = new Set(c.sink.forBulletin(bulletinId).map((m) => m.to));
    const claimed = await c.db.query<{ id: string; email: string }>(
      `SELECT s.id, s.email FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
        WHERE d.bulletin_id = $1 AND d.status = 'sending' ORDER BY d.id DESC`,
      [bulletinId],
    );
    const waiting = claimed.rows.filter((r) => !sunkSoFar.has(r.email));
    const unsubscribing = waiting.slice(0, 60);
    const erasing = waiting.slice(60, 80);
    expect(erasing).toHaveLength(20); // the chunks are claimed and mostly still to send

    const base = `/v1/sites/${site.slug}/subscribers`;
    for (const s of unsubscribing) await site.backend.post(`${base}/${s.id}/unsubscribe`).expect(200);
    for (const s of erasing) await site.backend.delete(`${base}/${s.id}`).expect(204);
    const leftAt = Date.now();
    await c.waitForBulletin(bulletinId);

    const leavers = new Set([...unsubscribing, ...erasing].map((s) => s.email));
    const toLeavers = c.sink.forBulletin(bulletinId).filter((m) => leavers.has(m.to));
    const late = toLeavers.filter((m) => m.at > leftAt);
    const ledger = await c.db.query<{ status: string; error: string | null; n: number }>(
      `SELECT d.status, d.error, count(*)::int AS n FROM deliveries d
        WHERE d.bulletin_id = $1 AND d.subscriber_id = ANY($2::uuid[]) GROUP BY 1, 2 ORDER BY 1, 2`,
      [bulletinId, [...unsubscribing, ...erasing].map((s) => s.id)],
    );
    const others = c.sink.forBulletin(bulletinId).filter((m) => !leavers.has(m.to));
    report({ scenario: 10, left: leavers.size, mailedAfterLeaving: late.length, ledger: ledger.rows, othersDelivered: others.length });

    // At 8 messages in flight (2 chunks × 4) and ~20 messages a second, a look every RECHECK_MS
    // lets at most the messages in flight plus a look's worth through; before the looks, all 80 went.
    const bound = 8 + Math.ceil((RECHECK_MS / SINK_DELAY_MS) * 8 * 1.5);
    expect(late.length).toBeLessThanOrEqual(bound);
    expect(new Set(others.map((m) => m.to)).size).toBe(RECIPIENTS - leavers.size);
    expect(recipients).toHaveLength(RECIPIENTS);
    const skipped = ledger.rows.filter((r) => r.status === 'skipped').reduce((n, r) => n + r.n, 0);
    expect(skipped).toBeGreaterThanOrEqual(leavers.size - bound);
    // The erased people's rows hold no SMTP text, whatever the worker was doing with them.
    const erasedRows = await c.db.query<{ status: string; error: string | null }>(
      `SELECT status, error FROM deliveries WHERE bulletin_id = $1 AND subscriber_id = ANY($2::uuid[])`,
      [bulletinId, erasing.map((s) => s.id)],
    );
    for (const row of erasedRows.rows) expect([null, 'subscriber erased']).toContain(row.error);
    expect(c.workers.every((w) => w.running)).toBe(true);
  });
});
