import { AdminClient, TestApp, waitFor } from './test-app';

export interface Recipient {
  id: string;
  email: string;
}

/**
 * Active subscribers inserted straight into the table (fast and independent of the
 * registration API); `tag` keeps addresses of different sites and tests apart.
 */
export async function addSubscribers(
  t: TestApp,
  siteId: string,
  count: number,
  tag: string,
  extra: { status?: string; name?: string | null; locale?: string | null } = {},
): Promise<Recipient[]> {
  return t.db.query(
    `INSERT INTO subscribers (site_id, email, email_normalized, name, locale, status, confirmed_at)
     SELECT $1, 'u' || g || '@' || $3 || '.test', 'u' || g || '@' || $3 || '.test', $5, $6, $4, now()
     FROM generate_series(1, $2) g
     RETURNING id, email`,
    [siteId, count, tag, extra.status ?? 'active', extra.name === undefined ? 'Name' : extra.name, extra.locale ?? null],
  );
}

export async function createBulletin(
  marketing: AdminClient,
  slug: string,
  body: Record<string, unknown> = { subject: 'News for {{subscriber.name}}', html: '<p>Hello {{subscriber.name}}</p>' },
): Promise<string> {
  const res = await marketing.post(`/v1/sites/${slug}/bulletins`, body).expect(201);
  return res.body.id;
}

/** The fields of a bulletin answer the tests look at. */
export interface BulletinBody {
  id: string;
  status: string;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
  stats: { total: number; queued: number; sent: number; failed: number; skipped: number };
}

export async function waitForStatus(
  marketing: AdminClient,
  slug: string,
  id: string,
  status: string,
  timeoutMs = 60_000,
): Promise<BulletinBody> {
  return waitFor(
    async () => {
      const res = await marketing.get(`/v1/sites/${slug}/bulletins/${id}`);
      return res.body.status === status ? res.body : null;
    },
    timeoutMs,
    100,
  );
}

/** Ledger counts by status straight from the table. */
export async function deliveryCounts(t: TestApp, bulletinId: string): Promise<Record<string, number>> {
  const rows: { status: string; n: string }[] = await t.db.query(
    `SELECT status, count(*) AS n FROM deliveries WHERE bulletin_id = $1 GROUP BY status`,
    [bulletinId],
  );
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}
