/**
 * The HTTP baselines: raw Node `http` + `pg` (pool of 10, as Vestnik's), no framework, no auth,
 * no validation library. Same schema and the same writes as Vestnik:
 *  - POST /v1/sites/:slug/subscribers → the subscriber INSERT and its consent event, one statement;
 *  - POST /unsubscribe/:subscriberId → the status UPDATE and its event, one statement.
 * Run as its own process; prints `@@ready {"port":…}`.
 */
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { Pool } from 'pg';

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const siteIds = new Map<string, string>();

const REGISTER = `
  WITH s AS (
    INSERT INTO subscribers (site_id, email, email_normalized, name, locale, attributes, status, confirmed_at)
    VALUES ($1, $2, $3, $4, $5, $6, 'active', now())
    ON CONFLICT (site_id, email_normalized) DO NOTHING
    RETURNING id, site_id, email, name, locale, attributes, status, created_at, confirmed_at
  ), e AS (
    INSERT INTO subscriber_events (site_id, subscriber_id, type, channel, ip, user_agent, source)
    SELECT site_id, id, 'registered', 'api', $7, $8, $9 FROM s
  )
  SELECT * FROM s`;

const UNSUBSCRIBE = `
  WITH s AS (
    UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = now(), updated_at = now()
    WHERE id = $1 AND status IN ('active', 'pending') RETURNING id, site_id
  ), e AS (
    INSERT INTO subscriber_events (site_id, subscriber_id, type, channel) SELECT site_id, id, 'unsubscribed', 'one-click' FROM s
  )
  SELECT count(*) FROM s`;

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (data += chunk));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

function reply(res: ServerResponse, status: number, payload: unknown, type = 'application/json'): void {
  const text = type === 'application/json' ? JSON.stringify(payload) : String(payload);
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function siteId(slug: string): Promise<string | undefined> {
  if (!siteIds.has(slug)) {
    const found = await pool.query<{ id: string }>('SELECT id FROM sites WHERE slug = $1', [slug]);
    if (found.rows[0]) siteIds.set(slug, found.rows[0].id);
  }
  return siteIds.get(slug);
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? '';
  let m: RegExpExecArray | null;
  if (req.method === 'POST' && (m = /^\/v1\/sites\/([a-z0-9-]+)\/subscribers$/.exec(url))) {
    const site = await siteId(m[1]);
    if (!site) return reply(res, 404, { statusCode: 404, code: 'site_not_found' });
    const input = JSON.parse(await body(req)) as { email?: string; name?: string; locale?: string; attributes?: object; consent?: { ip?: string; userAgent?: string; source?: string } };
    const email = String(input.email ?? '').trim();
    const at = email.lastIndexOf('@');
    if (at < 1 || at === email.length - 1) return reply(res, 400, { statusCode: 400, code: 'invalid_email' });
    const stored = email.slice(0, at) + '@' + email.slice(at + 1).toLowerCase();
    const rows = await pool.query(REGISTER, [
      site, stored, stored.toLowerCase(), input.name ?? null, input.locale ?? null, JSON.stringify(input.attributes ?? {}),
      input.consent?.ip ?? null, input.consent?.userAgent ?? null, input.consent?.source ?? null,
    ]);
    return reply(res, rows.rowCount ? 201 : 200, rows.rows[0] ?? { email: stored });
  }
  if (req.method === 'POST' && (m = /^\/unsubscribe\/([0-9a-f-]{36})$/.exec(url))) {
    await body(req);
    await pool.query(UNSUBSCRIBE, [m[1]]);
    return reply(res, 200, 'Unsubscribed.', 'text/plain; charset=utf-8');
  }
  reply(res, 404, { statusCode: 404 });
}

const server = createServer((req, res) => {
  handle(req, res).catch((error: Error) => reply(res, 500, { statusCode: 500, message: error.message }));
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`@@ready ${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  void pool.end().then(() => process.exit(0));
});
