import { Client } from 'pg';
import { recipient } from './message';

/**
 * N active subscribers in one statement (generate_series), straight into PostgreSQL: seeding
 * is set-up, not what is measured. Addresses are user<i>@bench.vestnik.test.
 */
export async function seedSubscribers(client: Client, siteId: string, count: number, from = 0): Promise<void> {
  const step = 200_000; // keeps each statement's WAL and memory modest at 1M
  for (let start = from; start < from + count; start += step) {
    const end = Math.min(from + count, start + step) - 1;
    await client.query(
      `INSERT INTO subscribers (site_id, email, email_normalized, name, locale, status, confirmed_at)
       SELECT $1, 'user' || g || '@bench.vestnik.test', 'user' || g || '@bench.vestnik.test', 'Подписчик ' || g, 'ru', 'active', now()
       FROM generate_series($2::int, $3::int) g`,
      [siteId, start, end],
    );
  }
  await client.query('ANALYZE subscribers');
}

/** A site row for the baselines that run without Vestnik (same schema, no API). */
export async function insertSite(client: Client, slug: string): Promise<string> {
  const rows = await client.query<{ id: string }>(
    `INSERT INTO sites (slug, name, base_url, from_email, from_name, confirmation, locale)
     VALUES ($1, 'Бенч', 'https://bench.vestnik.test', 'news@bench.vestnik.test', 'Бенч', 'none', 'ru') RETURNING id`,
    [slug],
  );
  return rows.rows[0].id;
}

export const seededAddress = recipient;
