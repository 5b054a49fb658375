import { migrate } from '../../src/database/migrate';
import { createBenchEnv, REDIS_URL, withClient } from '../lib/env';
import { runChild } from '../lib/proc';
import { insertSite, seedSubscribers } from '../lib/seed';

/** Deliveries per send job, as Vestnik enqueues them (src/delivery MAX_CHUNK). */
const CHUNK = 100;

/** INSERT … SELECT of every delivery + addBulk of the send jobs, on a fresh migrated database. */
export async function fanoutBaseline(recipients: number): Promise<{ rows: number; seconds: number; perSecond: number }> {
  const env = await createBenchEnv();
  try {
    await migrate(env.databaseUrl);
    const { siteId, bulletinId } = await withClient(env.databaseUrl, async (c) => {
      const site = await insertSite(c, 'fanout');
      await seedSubscribers(c, site, recipients);
      const b = await c.query<{ id: string }>(
        `INSERT INTO bulletins (site_id, subject, html, status) VALUES ($1, 'x', 'x', 'sending') RETURNING id`,
        [site],
      );
      return { siteId: site, bulletinId: b.rows[0].id };
    });
    const { result } = await runChild<{ rows: number; seconds: number; perSecond: number }>('baselines/fanout-sql', {
      databaseUrl: env.databaseUrl,
      redisUrl: REDIS_URL,
      redisPrefix: env.redisPrefix,
      siteId,
      bulletinId,
      chunk: CHUNK,
    });
    return result;
  } finally {
    await env.drop();
  }
}
