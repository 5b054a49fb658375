import { createReadStream, existsSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { createBenchEnv } from '../lib/env';
import { importCsv } from '../lib/csv';
import { BENCH_DIR, runChild } from '../lib/proc';
import { Sink } from '../lib/sink';
import { createSite, launchVestnik } from '../lib/vestnik';

export interface ImportResult {
  rows: number;
  seconds: number;
  perSecond: number;
  peakRssMb: number;
  answer?: Record<string, unknown>;
}

export async function copyBaseline(rows: number): Promise<ImportResult> {
  const file = await importCsv(rows);
  const env = await createBenchEnv();
  try {
    const { result, peakRssMb } = await runChild<{ rows: number; seconds: number; perSecond: number }>('baselines/copy-import', { databaseUrl: env.databaseUrl, file });
    return { ...result, peakRssMb };
  } finally {
    await env.drop();
  }
}

/**
 * POST …/subscribers/import (text/csv, streamed from disk) into one api process. `inspect` (experiments)
 * reads the database after the import, before it is dropped.
 */
export async function importVestnik(rows: number, sink: Sink, inspect?: (databaseUrl: string) => Promise<void>): Promise<ImportResult> {
  const file = await importCsv(rows);
  const env = await createBenchEnv();
  try {
    const p = await launchVestnik({ role: 'api', env, smtpUrl: sink.url, label: 'import' });
    let result: ImportResult;
    try {
      const site = await createSite(p.url, 'none');
      const t0 = Date.now();
      const answer = await postFile(`${p.url}/v1/sites/${site.slug}/subscribers/import?source=bench`, file, site.marketingKey);
      const seconds = (Date.now() - t0) / 1000;
      result = { rows, seconds, perSecond: rows / seconds, peakRssMb: p.peakRssMb(), answer };
    } finally {
      await p.stop();
    }
    await inspect?.(env.databaseUrl);
    return result;
  } finally {
    await env.drop();
  }
}

function postFile(url: string, file: string, key: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { 'content-type': 'text/csv', 'content-length': statSync(file).size, authorization: `Bearer ${key}` }, timeout: 600_000 },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => {
          if ((res.statusCode ?? 500) >= 300) return reject(new Error(`import: ${res.statusCode} ${text.slice(0, 300)}`));
          resolve(JSON.parse(text) as Record<string, unknown>);
        });
      },
    );
    req.on('error', reject);
    createReadStream(file).pipe(req);
  });
}

/** B's own import benchmark (bench/import.bench.ts, `run({ rows })`), when it exists. */
export async function importBench(rows: number): Promise<Record<string, unknown> | null> {
  if (!existsSync(join(BENCH_DIR, 'import.bench.ts'))) return null;
  const { result, peakRssMb } = await runChild<Record<string, unknown>>('import.bench', { rows });
  return { ...result, childPeakRssMb: peakRssMb };
}

/** D's DKIM benchmark (bench/dkim.bench.ts, `run()`), when it exists. */
export async function dkimBench(): Promise<Record<string, unknown> | null> {
  if (!existsSync(join(BENCH_DIR, 'dkim.bench.ts'))) return null;
  const { result } = await runChild<Record<string, unknown>>('dkim.bench', {});
  return result;
}
