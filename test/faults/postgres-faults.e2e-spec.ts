import { auditBulletin, FaultCluster, FULL_SCALE, report } from './support/fault-cluster';
import { RECIPIENTS, RECOVERY_ENV, startBulletin } from './support/scenario';
import { sleep } from './support/vestnik-process';

/** Scenario 5: PostgreSQL drops Vestnik's connections (pg_terminate_backend) while a bulletin sends. */
describe('Fault 5: PostgreSQL connections killed mid-bulletin', () => {
  let c: FaultCluster;
  beforeAll(async () => {
    c = await FaultCluster.start({ workers: 1, env: RECOVERY_ENV });
    c.sink.delayMs = 5;
  });
  afterAll(async () => {
    await c?.close();
  });

  it('5. claims retry; nothing is marked sent that the SMTP server did not accept; nobody missed; processes survive', async () => {
    const { site, bulletinId, recipients } = await startBulletin(c, RECIPIENTS, 'pgkill.test');
    let kills = 0;
    let terminated = 0;
    // Small: three rounds at a quarter, half and three quarters; full: every half second to the end.
    for (const share of FULL_SCALE ? [] : [0.25, 0.5, 0.75]) {
      await c.waitForSunk(bulletinId, Math.floor(RECIPIENTS * share));
      terminated += await c.terminateBackends();
      kills++;
    }
    while (FULL_SCALE && (await c.bulletinRow(bulletinId)).status === 'sending') {
      terminated += await c.terminateBackends();
      kills++;
      await sleep(500);
    }
    await c.waitForBulletin(bulletinId);
    const audit = await auditBulletin(c, bulletinId, recipients);
    // The API lost its connections too: it answers again without a restart.
    const apiErrors: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await site.marketing.get(`/v1/sites/${site.slug}/bulletins/${bulletinId}`);
      if (res.status !== 200) apiErrors.push(res.status);
    }
    const counts = await c.deliveryCounts(bulletinId);
    report({
      scenario: 5,
      injected: `pg_terminate_backend x${kills} (${terminated} backends) during the bulletin`,
      expected: audit.expected,
      delivered: audit.delivered,
      duplicated: audit.duplicated,
      sentNotSunk: audit.sentNotSunk,
      clientErrors: apiErrors.length ? apiErrors.join(',') : 0,
      ledger: counts,
    });
    expect(terminated).toBeGreaterThan(0);
    expect(audit.sentNotSunk).toBe(0);
    expect(audit.missing).toEqual([]);
    expect(audit.messageIdsStable).toBe(true);
    expect(counts).toMatchObject({ sent: recipients.length, failed: 0 });
    expect(apiErrors.filter((s) => s >= 500).length).toBeLessThanOrEqual(1); // at most the request whose connection died
    expect(c.workers.every((w) => w.running) && c.api.running).toBe(true);
  });
});

/**
 * Scenario 5b: PostgreSQL is unreachable for a few seconds while messages are on their way, so
 * the outcomes of messages the SMTP server accepted cannot be written at once. They are written
 * when it comes back, before recovery could take the claims back and mail them again.
 */
describe('Fault 5b: PostgreSQL unreachable for seconds mid-bulletin', () => {
  let c: FaultCluster;
  beforeAll(async () => {
    c = await FaultCluster.start({ workers: 1, env: RECOVERY_ENV, databaseProxy: true });
    c.sink.delayMs = 5;
  });
  afterAll(async () => {
    await c?.close();
  });

  it('5b. outcomes of accepted messages wait for the database: nobody mailed twice, nobody missed', async () => {
    const { bulletinId, recipients } = await startBulletin(c, RECIPIENTS, 'pgaway.test');
    const proxy = c.databaseProxy!;
    const outageMs = 3000;
    let outages = 0;
    for (const share of FULL_SCALE ? [0.2, 0.4, 0.6, 0.8] : [0.3, 0.6]) {
      await c.waitForSunk(bulletinId, Math.floor(RECIPIENTS * share));
      await proxy.cut('refuse');
      await sleep(outageMs);
      await proxy.restore();
      outages++;
    }
    await c.waitForBulletin(bulletinId);
    const audit = await auditBulletin(c, bulletinId, recipients);
    const counts = await c.deliveryCounts(bulletinId);
    report({
      scenario: '5b',
      injected: `PostgreSQL refused for ${outageMs} ms x${outages} during the bulletin`,
      expected: audit.expected,
      delivered: audit.delivered,
      duplicated: audit.duplicated,
      sentNotSunk: audit.sentNotSunk,
      ledger: counts,
    });
    expect(audit.missing).toEqual([]);
    expect(audit.duplicated).toBe(0);
    expect(audit.sentNotSunk).toBe(0);
    expect(counts).toMatchObject({ sent: recipients.length, failed: 0 });
    expect(c.workers.every((w) => w.running) && c.api.running).toBe(true);
  });
});
