/**
 * Fan-out baseline: one plain `INSERT … SELECT` of every delivery row, then one BullMQ `addBulk`
 * of the same send jobs Vestnik enqueues (chunks of delivery ids, same job options). The rows are
 * Vestnik's: each with its Message-ID, written at fan-out since migration 1764600100000.
 */
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { Client } from 'pg';
import { NEW_MESSAGE_ID } from '../../src/delivery/message-id';

interface Args {
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  siteId: string;
  bulletinId: string;
  chunk: number;
}

export async function run(args: Args): Promise<{ rows: number; seconds: number; perSecond: number }> {
  const client = new Client({ connectionString: args.databaseUrl });
  await client.connect();
  const connection = new Redis(args.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue('send', { prefix: args.redisPrefix, connection });
  await queue.waitUntilReady();
  const t0 = process.hrtime.bigint();
  const inserted = await client.query<{ id: string }>(
    `INSERT INTO deliveries (bulletin_id, subscriber_id, status, message_id)
     SELECT $1, id, 'queued', ${NEW_MESSAGE_ID("'example.com'")}
     FROM subscribers WHERE site_id = $2 AND status = 'active'
     ON CONFLICT DO NOTHING RETURNING id`,
    [args.bulletinId, args.siteId],
  );
  const ids = inserted.rows.map((r) => r.id);
  const jobs = [];
  for (let i = 0; i < ids.length; i += args.chunk) {
    jobs.push({
      name: 'send-chunk',
      data: { bulletinId: args.bulletinId, deliveryIds: ids.slice(i, i + args.chunk) },
      opts: { removeOnComplete: true, removeOnFail: 1000, attempts: 5, backoff: { type: 'exponential', delay: 1000 } },
    });
  }
  for (let i = 0; i < jobs.length; i += 1000) await queue.addBulk(jobs.slice(i, i + 1000));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await queue.close();
  connection.disconnect();
  await client.end();
  return { rows: ids.length, seconds, perSecond: ids.length / seconds };
}
