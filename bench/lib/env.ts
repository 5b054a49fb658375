import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { flushPrefix } from '../../test/support/test-env';

export const PG_ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const ADMIN_KEY = 'bench-admin-key-0123456789abcdef';
export const TOKEN_SECRETS = 'b1:bench-token-secret-0123456789abcdef';

/** A fresh database `vestnik_bench_<rand>` and Redis prefix for one scenario run; `drop()` removes both. */
export interface BenchEnv {
  database: string;
  databaseUrl: string;
  redisPrefix: string;
  drop(): Promise<void>;
}

export async function createBenchEnv(): Promise<BenchEnv> {
  const id = randomBytes(4).toString('hex');
  const database = `vestnik_bench_${id}`;
  const admin = new Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${database}`;
  const redisPrefix = `vb-${id}`;
  return {
    database,
    databaseUrl: url.toString(),
    redisPrefix,
    async drop() {
      await flushPrefix(redisPrefix, REDIS_URL);
      const client = new Client({ connectionString: PG_ADMIN_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** Runs `fn` with a connected client and closes it. */
export async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
