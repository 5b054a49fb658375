import { auditBulletin, FaultCluster, report, scale } from './support/fault-cluster';
import { RECOVERY_ENV, startBulletin } from './support/scenario';
import { sleep } from './support/vestnik-process';

// autocannon ships no type declarations; this is the part of its result we read.
interface CannonResult {
  latency: { p50: number; p99: number; max: number };
  requests: { average: number; total: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
  '5xx': number;
  statusCodeStats: Record<string, { count: number }>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (options: object) => Promise<CannonResult>;

const RATE = scale(50, 200);
const SECONDS = scale(5, 60);
const AUDIENCE = scale(2000, 50_000);
/** Enough connections that latency does not cap the offered rate. */
const CONNECTIONS = scale(20, 100);

/** Scenario 8: registrations at a steady rate while a large bulletin sends through two workers. */
describe('Fault 8: registrations under load while a bulletin sends', () => {
  let c: FaultCluster;
  beforeAll(async () => {
    c = await FaultCluster.start({ workers: 2, env: RECOVERY_ENV });
  });
  afterAll(async () => {
    await c?.close();
  });

  it(`8. ${RATE} registrations/s for ${SECONDS} s during a ${AUDIENCE}-recipient bulletin: no 5xx, bulletin completes, each mailed once`, async () => {
    const signups = await c.createSite({ confirmation: 'notice' });
    const started = Date.now();
    const { bulletinId, recipients } = await startBulletin(c, AUDIENCE, 'load.test');
    let n = 0;
    const result = await autocannon({
      url: c.api.url,
      connections: CONNECTIONS,
      overallRate: RATE,
      duration: SECONDS,
      timeout: 10,
      requests: [
        {
          method: 'POST',
          path: `/v1/sites/${signups.slug}/subscribers`,
          headers: { authorization: `Bearer ${signups.keys.backend}`, 'content-type': 'application/json' },
          setupRequest: (req: object) => ({
            ...req,
            body: JSON.stringify({ email: `load${n++}@signup.test`, name: 'Load', consent: { source: 'fault-8' } }),
          }),
        },
      ],
    });
    const sunkAtLoadEnd = c.sink.forBulletin(bulletinId).length;
    await c.waitForBulletin(bulletinId);
    const bulletinSeconds = (Date.now() - started) / 1000;
    const audit = await auditBulletin(c, bulletinId, recipients);

    // Every accepted registration gets exactly one notice.
    const registered = await c.db.query<{ email: string }>('SELECT email FROM subscribers WHERE site_id = $1', [signups.id]);
    const emails = registered.rows.map((r) => r.email.toLowerCase());
    const deadline = Date.now() + 120_000;
    const noticeCount = () => {
      const counts = new Map<string, number>();
      for (const m of c.sink.messages) if (!m.bulletinId && m.to.endsWith('@signup.test')) counts.set(m.to, (counts.get(m.to) ?? 0) + 1);
      return counts;
    };
    // One count per poll: counting per address kept this process (which hosts the SMTP sink) too
    // busy to accept the notices it was waiting for.
    const allNoticed = () => {
      const counts = noticeCount();
      return emails.every((e) => counts.has(e));
    };
    while (!allNoticed() && Date.now() < deadline) await sleep(500);
    const notices = noticeCount();

    report({
      scenario: 8,
      injected: `${RATE} registrations/s for ${SECONDS} s (autocannon, ${CONNECTIONS} connections) during a ${AUDIENCE}-recipient bulletin, 2 workers`,
      expected: audit.expected,
      delivered: audit.delivered,
      duplicated: audit.duplicated,
      registrations: result.requests.total,
      statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([k, v]) => [k, v.count])),
      p50ms: result.latency.p50,
      p99ms: result.latency.p99,
      maxms: result.latency.max,
      clientErrors: result.non2xx + result.errors + result.timeouts,
      bulletinSunkAtLoadEnd: sunkAtLoadEnd,
      bulletinSeconds,
      notices: notices.size,
      noticeDuplicates: [...notices.values()].filter((v) => v > 1).length,
    });
    expect({ fiveXX: result['5xx'], non2xx: result.non2xx, errors: result.errors, timeouts: result.timeouts }).toEqual({
      fiveXX: 0,
      non2xx: 0,
      errors: 0,
      timeouts: 0,
    });
    // Requests still open when autocannon stops are answered after its count: stored, not counted.
    expect(emails.length).toBeGreaterThanOrEqual(result['2xx']);
    expect(emails.length).toBeLessThanOrEqual(n);
    expect(audit.missing).toEqual([]);
    expect(audit.duplicated).toBe(0);
    expect(emails.filter((e) => notices.get(e) !== 1)).toEqual([]);
  });
});
