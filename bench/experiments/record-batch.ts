/**
 * PostgreSQL's CPU for recording send outcomes at different statement sizes: `DeliveryLedger.record`
 * itself over N claimed deliveries of one bulletin, on a freshly migrated database (Vestnik's
 * schema), one statement at a time on one connection, each its own transaction as on the send
 * path. PostgreSQL's CPU is that of all its processes (the backend, the WAL writer …) from /proc;
 * sizes alternate over `rounds`.
 *
 *   npx ts-node --transpile-only bench/experiments/record-batch.ts [rows=100000] [rounds=2] [sizes=20,60,100]
 */
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { migrate } from '../../src/database/migrate';
import { DeliveryLedger, DeliveryOutcome } from '../../src/delivery/delivery-ledger';
import { NEW_MESSAGE_ID } from '../../src/delivery/message-id';
import { createBenchEnv, withClient } from '../lib/env';
import { cpuMsOfCommands, cpuMsSince } from '../lib/proc';
import { insertSite, seedSubscribers } from '../lib/seed';

/** A `sending` bulletin whose deliveries are all claimed, as the send path leaves them before recording. */
async function claimedBulletin(db: DataSource, siteId: string): Promise<{ bulletinId: string; ids: string[] }> {
  const [{ id: bulletinId }] = await db.query<{ id: string }[]>(
    `INSERT INTO bulletins (site_id, subject, html, status) VALUES ($1, 'x', 'x', 'sending') RETURNING id`,
    [siteId],
  );
  const rows = await db.query<{ id: string }[]>(
    `INSERT INTO deliveries (bulletin_id, subscriber_id, status, attempts, message_id)
     SELECT $1, id, 'sending', 1, ${NEW_MESSAGE_ID("'example.com'")} FROM subscribers WHERE site_id = $2
     RETURNING id::text AS id`,
    [bulletinId, siteId],
  );
  await db.query('VACUUM ANALYZE deliveries');
  await db.query('CHECKPOINT');
  return { bulletinId, ids: rows.map((r) => r.id).sort((a, b) => Number(a) - Number(b)) };
}

const sent = (id: string): DeliveryOutcome => ({ id, claimedAttempts: 1, status: 'sent', error: null, retryDelayMs: 0, refundAttempt: false });

async function main(): Promise<void> {
  const rows = Number(process.argv[2] ?? 100_000);
  const rounds = Number(process.argv[3] ?? 2);
  const sizes = (process.argv[4] ?? '20,60,100').split(',').map(Number);
  const env = await createBenchEnv();
  await migrate(env.databaseUrl);
  const db = new DataSource(dataSourceOptions(env.databaseUrl, 1));
  await db.initialize();
  try {
    // record() neither reads nor writes webhook events.
    const ledger = new DeliveryLedger(db, null as never);
    const siteId = await withClient(env.databaseUrl, async (c) => {
      const site = await insertSite(c, 'record-batch');
      await seedSubscribers(c, site, rows);
      return site;
    });
    console.log(`| statement size | statements | PostgreSQL CPU per delivery | wall per delivery |`);
    console.log(`| ---: | ---: | ---: | ---: |`);
    for (let round = 0; round < rounds; round++) {
      for (const size of sizes) {
        const { bulletinId, ids } = await claimedBulletin(db, siteId);
        const before = cpuMsOfCommands(['postgres']).postgres;
        const t0 = process.hrtime.bigint();
        let statements = 0;
        for (let at = 0; at < ids.length; at += size) {
          await ledger.record(bulletinId, ids.slice(at, at + size).map(sent));
          statements++;
        }
        const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
        const cpu = cpuMsSince(before, cpuMsOfCommands(['postgres']).postgres);
        console.log(`| ${size} | ${statements} | ${((cpu * 1000) / ids.length).toFixed(1)} µs | ${((wallMs * 1000) / ids.length).toFixed(1)} µs |`);
      }
    }
  } finally {
    await db.destroy();
    await env.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
