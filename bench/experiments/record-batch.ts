/**
 * PostgreSQL's CPU for recording send outcomes at different statement sizes: the ledger's record
 * statement (src/delivery/delivery-ledger.ts) over N claimed deliveries of a table laid out like
 * `deliveries` (fillfactor 30, the same indexes), each statement its own transaction as on the
 * send path. Reads the backend's CPU from /proc; sizes alternate over `rounds`.
 *
 *   npx ts-node --transpile-only bench/experiments/record-batch.ts [rows=100000] [rounds=2] [sizes=20,60,100]
 */
import { Client } from 'pg';
import { createBenchEnv } from '../lib/env';
import { cpuMs } from '../lib/proc';

const RECORD = `UPDATE deliveries d
   SET status = CASE WHEN v.status = 'queued' AND b.status = 'cancelled' THEN 'skipped' ELSE v.status END,
       error = v.error,
       sent_at = CASE WHEN v.status = 'sent' THEN now() ELSE d.sent_at END,
       retry_at = CASE WHEN v.status = 'queued' AND v.delay_ms > 0 THEN now() + v.delay_ms * interval '1 millisecond' END,
       attempts = d.attempts - CASE WHEN v.refund THEN 1 ELSE 0 END,
       updated_at = now()
   FROM unnest($2::bigint[], $3::text[], $4::text[], $5::int[], $6::boolean[]) AS v(id, status, error, delay_ms, refund),
        bulletins b
   WHERE d.id = v.id AND d.bulletin_id = $1 AND d.status = 'sending' AND b.id = d.bulletin_id
   RETURNING d.id::text AS id, d.status IN ('queued','sending') AS open`;

async function setUp(db: Client, rows: number): Promise<string> {
  await db.query(`DROP TABLE IF EXISTS deliveries, bulletins`);
  await db.query(`CREATE TABLE bulletins (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), status text NOT NULL DEFAULT 'sending')`);
  await db.query(`CREATE TABLE deliveries (
      id bigserial PRIMARY KEY, bulletin_id uuid NOT NULL REFERENCES bulletins(id), subscriber_id uuid NOT NULL,
      status text NOT NULL, attempts int NOT NULL DEFAULT 1, error text, message_id text,
      sent_at timestamptz, retry_at timestamptz, updated_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (bulletin_id, subscriber_id)) WITH (fillfactor = 30)`);
  await db.query(`CREATE INDEX ON deliveries (bulletin_id, id)`);
  const { rows: b } = await db.query<{ id: string }>(`INSERT INTO bulletins DEFAULT VALUES RETURNING id`);
  await db.query(
    `INSERT INTO deliveries (bulletin_id, subscriber_id, status, message_id)
     SELECT $1, gen_random_uuid(), 'sending', '<' || g || '@example.test>' FROM generate_series(1, $2) g`,
    [b[0].id, rows],
  );
  await db.query(`VACUUM ANALYZE deliveries`);
  await db.query(`CHECKPOINT`);
  return b[0].id;
}

async function main(): Promise<void> {
  const rows = Number(process.argv[2] ?? 100_000);
  const rounds = Number(process.argv[3] ?? 2);
  const sizes = (process.argv[4] ?? '20,60,100').split(',').map(Number);
  const env = await createBenchEnv();
  const db = new Client({ connectionString: env.databaseUrl });
  await db.connect();
  try {
    const backend = (await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    console.log(`| statement size | statements | backend CPU per delivery | wall per delivery |`);
    console.log(`| ---: | ---: | ---: | ---: |`);
    for (let round = 0; round < rounds; round++) {
      for (const size of sizes) {
        const bulletinId = await setUp(db, rows);
        const c0 = cpuMs(backend);
        const t0 = process.hrtime.bigint();
        let statements = 0;
        for (let first = 1; first <= rows; first += size) {
          const ids = Array.from({ length: Math.min(size, rows - first + 1) }, (_, i) => String(first + i));
          await db.query({
            name: 'record',
            text: RECORD,
            values: [bulletinId, ids, ids.map(() => 'sent'), ids.map(() => null), ids.map(() => 0), ids.map(() => false)],
          });
          statements++;
        }
        const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
        const cpu = cpuMs(backend) - c0;
        console.log(`| ${size} | ${statements} | ${((cpu * 1000) / rows).toFixed(1)} µs | ${((wallMs * 1000) / rows).toFixed(1)} µs |`);
      }
    }
  } finally {
    await db.end();
    await env.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
