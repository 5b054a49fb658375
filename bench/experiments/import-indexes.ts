/**
 * One CSV import of ROWS (default 1M) new addresses, then the time it took and the size of every
 * index it wrote into (subscribers and subscriber_events): shows whether the merge inserts ids in
 * order (compact right-edge pages) or scattered (page splits).
 *   npx ts-node --transpile-only bench/experiments/import-indexes.ts
 */
import { Client } from 'pg';
import { importCsv } from '../lib/csv';
import { createBenchEnv } from '../lib/env';
import { startSink } from '../lib/sink';
import { createSite, launchVestnik } from '../lib/vestnik';
import { postFile } from '../scenarios/import';

async function main(): Promise<void> {
  const rows = Number(process.env.ROWS ?? 1_000_000);
  const file = await importCsv(rows);
  const sink = await startSink();
  const env = await createBenchEnv();
  try {
    const p = await launchVestnik({ role: 'api', env, smtpUrl: sink.url, label: 'import-indexes' });
    try {
      const site = await createSite(p.url, 'none');
      const t0 = Date.now();
      await postFile(`${p.url}/v1/sites/${site.slug}/subscribers/import?source=bench`, file, site.marketingKey);
      console.log(`${rows} rows in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    } finally {
      await p.stop();
    }
    const db = new Client({ connectionString: env.databaseUrl });
    await db.connect();
    const sizes = await db.query<{ name: string; mb: string }>(
      `SELECT c.relname AS name, round(pg_relation_size(c.oid) / 1048576.0, 1)::text AS mb
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
        WHERE t.relname IN ('subscribers', 'subscriber_events') ORDER BY 1`,
    );
    for (const { name, mb } of sizes.rows) console.log(`${name.padEnd(40)} ${mb} MB`);
    await db.end();
  } finally {
    await env.drop();
    await sink.stop();
  }
}

void main();
