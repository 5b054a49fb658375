import { auditBulletin, FaultCluster, report, scale } from './support/fault-cluster';
import { RECIPIENTS, RECOVERY_ENV, startBulletin } from './support/scenario';
import { sleep } from './support/vestnik-process';

const OUTAGE_MS = scale(4_000, 20_000);
/** A request still unanswered after this long counts as hanging. */
const HANG_MS = 10_000;

interface Attempt {
  kind: 'notice' | 'none' | 'health';
  email?: string;
  status: number | 'hung' | 'network';
  code?: string;
}

/** Scenarios 3 and 4: Redis loses its data, or cannot be reached at all, while Vestnik works. */
describe('Faults 3-4: Redis flushed or unreachable', () => {
  let c: FaultCluster;
  beforeAll(async () => {
    // One chunk at a time: at the flush most deliveries exist only as queued rows and lost jobs.
    c = await FaultCluster.start({ workers: 1, env: { ...RECOVERY_ENV, SEND_CONCURRENCY: '1' } });
    c.sink.delayMs = 5;
  });
  afterAll(async () => {
    await c?.close();
  });

  it('3. FLUSHDB of our namespace mid-bulletin: recovery rebuilds the work from PostgreSQL; nobody missed', async () => {
    const { bulletinId, recipients } = await startBulletin(c, RECIPIENTS, 'flush.test');
    await c.waitForSunk(bulletinId, Math.floor(RECIPIENTS / 4));
    const atFlush = await c.deliveryCounts(bulletinId);
    const sunkAtFlush = c.sink.forBulletin(bulletinId).length;
    await c.flushRedis();

    await c.waitForBulletin(bulletinId);
    const audit = await auditBulletin(c, bulletinId, recipients);
    report({
      scenario: 3,
      injected: `FLUSH of the prefix after ${sunkAtFlush} of ${recipients.length} messages (${atFlush.queued} queued, ${atFlush.sending} in flight)`,
      expected: audit.expected,
      delivered: audit.delivered,
      duplicated: audit.duplicated,
      clientErrors: 0,
    });
    expect(atFlush.queued).toBeGreaterThan(0);
    expect(audit.missing).toEqual([]);
    expect(audit.duplicated).toBeLessThanOrEqual(atFlush.sending);
    expect(audit.sentNotSunk).toBe(0);
    expect(await c.deliveryCounts(bulletinId)).toMatchObject({ sent: recipients.length, failed: 0 });
  });

  it('4. Redis unreachable: registration answers at once (done or 503), nothing half-written, /health 503, all recovers without a restart', async () => {
    const notice = await c.createSite({ confirmation: 'notice' });
    const quiet = await c.createSite({ confirmation: 'none' });
    const register = async (kind: 'notice' | 'none', email: string): Promise<Attempt> => {
      const site = kind === 'notice' ? notice : quiet;
      try {
        const res = await fetch(`${c.api.url}/v1/sites/${site.slug}/subscribers`, {
          method: 'POST',
          headers: { authorization: `Bearer ${site.keys.backend}`, 'content-type': 'application/json' },
          body: JSON.stringify({ email, name: 'Outage', consent: { source: 'fault-4' } }),
          signal: AbortSignal.timeout(HANG_MS),
        });
        const body = (await res.json()) as { code?: string };
        return { kind, email, status: res.status, code: body.code };
      } catch (error) {
        return { kind, email, status: (error as Error).name === 'TimeoutError' ? 'hung' : 'network' };
      }
    };
    const health = async (): Promise<Attempt> => {
      try {
        const res = await fetch(`${c.api.url}/health`, { signal: AbortSignal.timeout(HANG_MS) });
        return { kind: 'health', status: res.status };
      } catch (error) {
        return { kind: 'health', status: (error as Error).name === 'TimeoutError' ? 'hung' : 'network' };
      }
    };
    expect((await register('notice', 'before@notice.test')).status).toBe(201);

    // First half refused connections, second half a black hole (connections that never answer).
    await c.redisProxy.cut('refuse');
    const attempts: Attempt[] = [];
    const started = Date.now();
    let i = 0;
    while (Date.now() - started < OUTAGE_MS) {
      if (Date.now() - started > OUTAGE_MS / 2) await c.redisProxy.cut('blackhole');
      i++;
      attempts.push(...(await Promise.all([register('notice', `o${i}@notice.test`), register('none', `o${i}@quiet.test`), health()])));
      await sleep(200);
    }
    await c.redisProxy.restore();

    // Recovery without a restart: /health, then registrations that need the queue.
    const healthAfter = await waitUntil(async () => (await health()).status === 200, 30_000);
    const after = await waitUntil(async () => (await register('notice', `after${Date.now()}@notice.test`)).status === 201, 30_000);
    expect({ healthAfter, after }).toEqual({ healthAfter: true, after: true });

    const registrations = attempts.filter((a) => a.kind !== 'health');
    const unexpected = attempts.filter((a) =>
      a.kind === 'health' ? a.status !== 503 : !(a.status === 201 || (a.status === 503 && a.code === 'queue_unavailable')),
    );
    const created = registrations.filter((a) => a.status === 201).map((a) => a.email!);
    const refused = registrations.filter((a) => a.status === 503).map((a) => a.email!);
    // All or nothing: a subscriber exists exactly when it was answered 201, always with its event.
    const rows = await c.db.query<{ email: string; events: string }>(
      `SELECT s.email, (SELECT count(*) FROM subscriber_events e WHERE e.subscriber_id = s.id AND e.type = 'registered') AS events
         FROM subscribers s WHERE s.site_id = ANY($1) AND s.email LIKE 'o%'`,
      [[notice.id, quiet.id]],
    );
    const stored = rows.rows.map((r) => r.email).sort();
    report({
      scenario: 4,
      injected: `Redis proxy cut for ${OUTAGE_MS / 1000} s (refused, then black hole)`,
      registrations: registrations.length,
      created: created.length,
      refused503: refused.length,
      healthDuring: attempts.filter((a) => a.kind === 'health').map((a) => a.status).join(',').slice(0, 80),
      unexpected: unexpected.length,
      clientErrors: `${refused.length} x 503 queue_unavailable`,
    });
    expect(unexpected).toEqual([]);
    expect(stored).toEqual([...created].sort());
    expect(rows.rows.filter((r) => Number(r.events) !== 1)).toEqual([]);
    // The notice of every registration that was accepted arrives once Redis is back.
    const noticed = created.filter((e) => e.endsWith('@notice.test'));
    const arrived = await waitUntil(async () => noticed.every((e) => c.sink.messages.some((m) => m.to === e)), 60_000);
    expect({ arrived, missing: noticed.filter((e) => !c.sink.messages.some((m) => m.to === e)) }).toEqual({ arrived: true, missing: [] });
    expect(c.workers.every((w) => w.running) && c.api.running).toBe(true);
  });
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(250);
  }
  return false;
}
