/**
 * What the import's target (0.3 of a plain COPY) leaves room for: the same CSV file COPY'd, in
 * alternated runs, into the baseline's plain table and into tables that keep only what any import
 * must keep — one row per address of a site (a unique index on the site and the address, as a
 * column or lower-cased), then that plus a row id (primary key). No Node side, no ledger, no key checks.
 *
 *   npx ts-node --transpile-only bench/experiments/import-ceiling.ts [rows=1000000] [rounds=3]
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { importCsv } from '../lib/csv';
import { createBenchEnv } from '../lib/env';
import { median } from '../lib/report';

const TABLES: Record<string, string> = {
  'plain table (the baseline)': 'CREATE TABLE t (email text, name text, locale text, city text)',
  'unique (site, email), a plain column as email_normalized is': `CREATE TABLE t (site_id uuid NOT NULL DEFAULT '0190f5c5-0000-7000-8000-000000000001',
     email text, name text, locale text, city text);
     CREATE UNIQUE INDEX t_site_email ON t (site_id, email)`,
  'unique (site, lower(email))': `CREATE TABLE t (site_id uuid NOT NULL DEFAULT '0190f5c5-0000-7000-8000-000000000001',
     email text, name text, locale text, city text);
     CREATE UNIQUE INDEX t_site_email ON t (site_id, lower(email))`,
  'the same + bigserial primary key': `CREATE TABLE t (id bigserial PRIMARY KEY,
     site_id uuid NOT NULL DEFAULT '0190f5c5-0000-7000-8000-000000000001', email text, name text, locale text, city text);
     CREATE UNIQUE INDEX t_site_email ON t (site_id, lower(email))`,
};

async function copyInto(client: Client, ddl: string, file: string): Promise<number> {
  await client.query('DROP TABLE IF EXISTS t');
  await client.query(ddl);
  const t0 = process.hrtime.bigint();
  const copy = client.query(copyFrom('COPY t (email, name, locale, city) FROM STDIN WITH (FORMAT csv, HEADER true)'));
  await pipeline(createReadStream(file), copy);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return Number(copy.rowCount) / seconds;
}

async function main(): Promise<void> {
  const rows = Number(process.argv[2] ?? 1_000_000);
  const rounds = Number(process.argv[3] ?? 3);
  const file = await importCsv(rows);
  const env = await createBenchEnv();
  const client = new Client({ connectionString: env.databaseUrl });
  await client.connect();
  const runs = new Map<string, number[]>(Object.keys(TABLES).map((name) => [name, []]));
  try {
    for (let round = 0; round < rounds; round++) {
      for (const [name, ddl] of Object.entries(TABLES)) runs.get(name)!.push(await copyInto(client, ddl, file));
    }
  } finally {
    await client.end();
    await env.drop();
  }
  const plain = median(runs.get('plain table (the baseline)')!);
  console.log(`| COPY of ${rows.toLocaleString('en')} rows into | rows/s (median of ${rounds}) | of the plain COPY |`);
  console.log('| --- | ---: | ---: |');
  for (const [name, perSecond] of runs) {
    console.log(`| ${name} | ${Math.round(median(perSecond)).toLocaleString('en')} (${perSecond.map((r) => Math.round(r / 1000) + 'k').join(', ')}) | ${(median(perSecond) / plain).toFixed(2)} |`);
  }
}

void main();
