import { auditBulletin, FaultCluster, report, scale } from './support/fault-cluster';
import { RECIPIENTS, RECOVERY_ENV, startBulletin } from './support/scenario';
import { sleep } from './support/vestnik-process';

const OUTAGE_MS = scale(3_000, 30_000);

/** Scenarios 6 and 7: the SMTP server goes away, answers 421, refuses a mailbox, refuses our login. */
describe('Faults 6-7: SMTP server down, deferring, refusing', () => {
  let c: FaultCluster;
  beforeAll(async () => {
    c = await FaultCluster.start({ workers: 1, env: RECOVERY_ENV });
  });
  afterAll(async () => {
    await c?.close();
  });
  afterEach(() => {
    c.sink.behaviour = () => ({ accept: true });
    c.sink.rcptBehaviour = () => ({ accept: true });
    c.sink.authFails = false;
    c.sink.delayMs = 0;
  });

  async function maxAttempts(bulletinId: string): Promise<number> {
    const rows = await c.db.query('SELECT max(attempts) AS n FROM deliveries WHERE bulletin_id = $1', [bulletinId]);
    return Number(rows.rows[0].n);
  }

  it('6. SMTP down for a while, then back: the bulletin waits and completes; no delivery failed', async () => {
    c.sink.delayMs = 5;
    const { bulletinId, recipients } = await startBulletin(c, RECIPIENTS, 'smtpdown.test');
    await c.waitForSunk(bulletinId, Math.floor(RECIPIENTS / 4));
    await c.sink.stop();
    await sleep(OUTAGE_MS);
    const during = await c.deliveryCounts(bulletinId);
    const statusDuring = (await c.bulletinRow(bulletinId)).status;
    await c.sink.start();
    await c.waitForBulletin(bulletinId);
    const audit = await auditBulletin(c, bulletinId, recipients);
    const counts = await c.deliveryCounts(bulletinId);
    report({
      scenario: 6,
      injected: `SMTP sink stopped for ${OUTAGE_MS / 1000} s mid-bulletin`,
      expected: audit.expected,
      delivered: audit.delivered,
      duplicated: audit.duplicated,
      clientErrors: 0,
      ledgerDuring: during,
      maxAttempts: await maxAttempts(bulletinId),
    });
    expect({ statusDuring, failedDuring: during.failed }).toEqual({ statusDuring: 'sending', failedDuring: 0 });
    expect(audit.missing).toEqual([]);
    expect(audit.duplicated).toBe(0);
    expect(audit.sentNotSunk).toBe(0);
    expect(counts).toMatchObject({ sent: recipients.length, failed: 0 });
  });

  it('7a. 421 to every third message: retried, all delivered, attempts not exhausted', async () => {
    c.sink.behaviour = (_rcpt, index) =>
      index % 3 === 2 ? { accept: false, code: 421, message: '4.7.0 Too many messages, try again later' } : { accept: true };
    const refusedBefore = c.sink.refused;
    const started = Date.now();
    // Small: every 421 holds the whole send queue back for a few seconds (the server asks us to slow down).
    const { bulletinId, recipients } = await startBulletin(c, scale(12, 60), 'defer.test');
    await c.waitForBulletin(bulletinId);
    const seconds = (Date.now() - started) / 1000;
    const audit = await auditBulletin(c, bulletinId, recipients);
    const attempts = await maxAttempts(bulletinId);
    report({
      scenario: '7a',
      injected: `421 to every third message (${c.sink.refused - refusedBefore} deferrals)`,
      expected: audit.expected,
      delivered: audit.delivered,
      duplicated: audit.duplicated,
      clientErrors: 0,
      maxAttempts: attempts,
      seconds,
    });
    expect(c.sink.refused - refusedBefore).toBeGreaterThan(0);
    expect(audit.missing).toEqual([]);
    expect(audit.duplicated).toBe(0);
    expect(await c.deliveryCounts(bulletinId)).toMatchObject({ sent: recipients.length, failed: 0 });
    expect(attempts).toBeLessThan(8); // SEND_ATTEMPTS default
  });

  it('7b. 550 5.1.1 for one address: that delivery fails once, without retry; the rest are unaffected', async () => {
    const victim = 'r7@unknown.test';
    c.sink.rcptBehaviour = (address) =>
      address === victim ? { accept: false, code: 550, message: '5.1.1 <r7@unknown.test>: Recipient address rejected: User unknown' } : { accept: true };
    const { bulletinId, recipients } = await startBulletin(c, scale(150, 3000), 'unknown.test');
    await c.waitForBulletin(bulletinId);
    const audit = await auditBulletin(c, bulletinId, recipients);
    const victimRow = await c.db.query(
      `SELECT d.status, d.attempts, d.error FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
        WHERE d.bulletin_id = $1 AND s.email = $2`,
      [bulletinId, victim],
    );
    const refusals = c.sink.refusals.filter((r) => r.to === victim).length;
    report({
      scenario: '7b',
      injected: `550 5.1.1 at RCPT for ${victim}`,
      expected: audit.expected - 1,
      delivered: audit.delivered,
      duplicated: audit.duplicated,
      clientErrors: 0,
      victim: victimRow.rows[0],
      victimRefusals: refusals,
    });
    expect(victimRow.rows[0]).toMatchObject({ status: 'failed', attempts: 1 });
    expect(victimRow.rows[0].error).toMatch(/550/);
    expect(refusals).toBe(1);
    expect(audit.missing).toEqual([victim]);
    expect(audit.duplicated).toBe(0);
    expect(await c.deliveryCounts(bulletinId)).toMatchObject({ sent: recipients.length - 1, failed: 1 });
  });

  it('7c. 535 on login: the bulletin pauses with a clear error; after the fix, resume completes it', async () => {
    c.sink.authFails = true;
    // Connections already logged in would not ask again: drop them, as a password change would.
    await c.sink.stop();
    await c.sink.start();
    const { site, bulletinId, recipients } = await startBulletin(c, scale(150, 3000), 'auth.test');
    await c.waitForBulletin(bulletinId, 'paused', 60_000);
    const paused = await site.marketing.get(`/v1/sites/${site.slug}/bulletins/${bulletinId}`).expect(200);
    const failedWhilePaused = (await c.deliveryCounts(bulletinId)).failed;

    c.sink.authFails = false;
    await site.marketing.post(`/v1/sites/${site.slug}/bulletins/${bulletinId}/resume`, {}).expect(200);
    await c.waitForBulletin(bulletinId);
    const audit = await auditBulletin(c, bulletinId, recipients);
    report({
      scenario: '7c',
      injected: '535 to every login',
      expected: audit.expected,
      delivered: audit.delivered,
      duplicated: audit.duplicated,
      clientErrors: 0,
      pausedWith: paused.body.error ?? null,
      authRefusals: c.sink.authRefused,
    });
    expect(paused.body.status).toBe('paused');
    expect(JSON.stringify(paused.body)).toMatch(/535|auth/i);
    expect(failedWhilePaused).toBe(0);
    expect(audit.missing).toEqual([]);
    expect(audit.duplicated).toBe(0);
    expect(await c.deliveryCounts(bulletinId)).toMatchObject({ sent: recipients.length, failed: 0 });
  });
});
