/**
 * One CSV import of ROWS (default 1M) new addresses, then the time it took and the size of every
 * index it wrote into (subscribers and subscriber_events): shows whether the merge inserts ids in
 * order (compact right-edge pages) or scattered (page splits).
 *   npx ts-node --transpile-only bench/experiments/import-indexes.ts
 */
import { withClient } from '../lib/env';
import { startSink } from '../lib/sink';
import { importVestnik } from '../scenarios/import';

async function main(): Promise<void> {
  const sink = await startSink();
  try {
    const result = await importVestnik(Number(process.env.ROWS ?? 1_000_000), sink, (databaseUrl) =>
      withClient(databaseUrl, async (db) => {
        const sizes = await db.query<{ name: string; mb: string }>(
          `SELECT c.relname AS name, round(pg_relation_size(c.oid) / 1048576.0, 1)::text AS mb
             FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
            WHERE t.relname IN ('subscribers', 'subscriber_events') ORDER BY 1`,
        );
        for (const { name, mb } of sizes.rows) console.log(`${name.padEnd(40)} ${mb} MB`);
      }),
    );
    console.log(`${result.rows} rows in ${result.seconds.toFixed(1)} s`);
  } finally {
    await sink.stop();
  }
}

void main();
