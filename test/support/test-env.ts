import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { Client } from 'pg';

export const PG_ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const ADMIN_KEY = 'test-admin-key-0123456789abcdef';
export const TOKEN_SECRETS = 'k1:test-secret-one-0123456789,k0:test-secret-zero-0123456789';

/** A fresh database and Redis key prefix for one test file; `drop()` removes both. */
export interface TestEnvironment {
  databaseUrl: string;
  redisPrefix: string;
  env: Record<string, string>;
  drop(): Promise<void>;
}

export async function createTestEnvironment(extra: Record<string, string> = {}): Promise<TestEnvironment> {
  const id = randomBytes(5).toString('hex');
  const database = `vestnik_test_${id}`;
  const admin = new Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${database}`;
  const databaseUrl = url.toString();
  const redisPrefix = `vt-${id}`;
  return {
    databaseUrl,
    redisPrefix,
    env: {
      NODE_ENV: 'test',
      DATABASE_URL: databaseUrl,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: redisPrefix,
      ADMIN_API_KEY: ADMIN_KEY,
      TOKEN_SECRETS,
      PUBLIC_URL: 'http://vestnik.test',
      LOG_LEVEL: 'silent',
      ...extra,
    },
    async drop() {
      await flushPrefix(redisPrefix);
      const client = new Client({ connectionString: PG_ADMIN_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** Deletes every Redis key under the prefix (BullMQ keys are `<prefix>:<queue>:…`). */
export async function flushPrefix(prefix: string, redisUrl = TEST_REDIS_URL): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
