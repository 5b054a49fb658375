/** Import baseline: `COPY` of the same CSV file into a plain table (no constraints, no indexes). */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

interface Args {
  databaseUrl: string;
  file: string;
}

export async function run(args: Args): Promise<{ rows: number; seconds: number; perSecond: number }> {
  const client = new Client({ connectionString: args.databaseUrl });
  await client.connect();
  await client.query('DROP TABLE IF EXISTS import_plain');
  await client.query('CREATE TABLE import_plain (email text, name text, locale text, city text)');
  const t0 = process.hrtime.bigint();
  const copy = client.query(copyFrom(`COPY import_plain FROM STDIN WITH (FORMAT csv, HEADER true)`));
  await pipeline(createReadStream(args.file), copy);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const rows = Number(copy.rowCount);
  await client.query('DROP TABLE import_plain');
  await client.end();
  return { rows, seconds, perSecond: rows / seconds };
}
