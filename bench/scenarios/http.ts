import { join } from 'node:path';
import { migrate } from '../../src/database/migrate';
import { loadConfig } from '../../src/config/config';
import { TokensService } from '../../src/tokens/tokens.service';
import { createBenchEnv, TOKEN_SECRETS, withClient } from '../lib/env';
import { load, LoadOptions, LoadResult } from '../lib/load';
import { BENCH_DIR, cpuMs, startHelper, stopChild } from '../lib/proc';
import { insertSite, seedSubscribers } from '../lib/seed';
import { Sink } from '../lib/sink';
import { createSite, launchVestnik } from '../lib/vestnik';

export interface HttpResult extends LoadResult {
  /** Server-side CPU per successful request (from /proc). */
  cpuMsPerRequest: number;
}

let counter = 0;
/** A new address per request, unique across runs of one harness. */
export const registerBody = () =>
  JSON.stringify({
    email: `Reg.${process.pid}.${counter++}@Bench-Register.TEST`,
    name: 'Регистрация',
    locale: 'ru',
    consent: { source: 'bench', ip: '203.0.113.7', userAgent: 'autocannon' },
  });

/** The bare raw-Node route on a fresh, migrated database. */
export async function withBareServer<T>(fn: (url: string, databaseUrl: string, siteSlug: string, siteId: string, pid: number) => Promise<T>): Promise<T> {
  const env = await createBenchEnv();
  try {
    await migrate(env.databaseUrl);
    const siteId = await withClient(env.databaseUrl, (c) => insertSite(c, 'bare'));
    const { child, info } = await startHelper(process.execPath, ['-r', 'ts-node/register/transpile-only', join(BENCH_DIR, 'baselines', 'bare-http.ts')], {
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true', DATABASE_URL: env.databaseUrl },
    });
    try {
      return await fn(`http://127.0.0.1:${info.port as number}`, env.databaseUrl, 'bare', siteId, child.pid!);
    } finally {
      await stopChild(child);
    }
  } finally {
    await env.drop();
  }
}

/**
 * Load before each measured run, on both sides and unmeasured: steady state, not the first
 * seconds in which V8 compiles the hot path and each pooled connection prepares its statements
 * (a cold 10 s run counted these against Vestnik's far larger code, not the bare route's).
 */
export const WARMUP_SECONDS = 3;

async function measured(pid: number, options: LoadOptions): Promise<HttpResult> {
  const warm = await load({ ...options, seconds: WARMUP_SECONDS });
  const cpu0 = cpuMs(pid);
  const result = await load(options);
  const cpuMsPerRequest = (cpuMs(pid) - cpu0) / Math.max(1, result.ok);
  // A failure while warming up is still a failure of the run.
  return { ...result, non2xx: result.non2xx + warm.non2xx, errors: result.errors + warm.errors, cpuMsPerRequest };
}

export function registerBaseline(seconds: number): Promise<HttpResult> {
  return withBareServer((url, _db, slug, _siteId, pid) =>
    measured(pid, { url, seconds, headers: { 'content-type': 'application/json' }, next: () => ({ path: `/v1/sites/${slug}/subscribers`, body: registerBody() }) }),
  );
}

/** POST /v1/sites/{site}/subscribers on a `none` site, one api process. */
export async function registerVestnik(seconds: number, sink: Sink): Promise<HttpResult & { distinct: number }> {
  const env = await createBenchEnv();
  try {
    const p = await launchVestnik({ role: 'api', env, smtpUrl: sink.url, label: 'register' });
    try {
      const site = await createSite(p.url, 'none');
      const result = await measured(p.pid, {
        url: p.url,
        seconds,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${site.backendKey}` },
        next: () => ({ path: `/v1/sites/${site.slug}/subscribers`, body: registerBody() }),
      });
      const distinct = await withClient(env.databaseUrl, async (c) => Number((await c.query('SELECT count(*) AS n FROM subscribers')).rows[0].n));
      return { ...result, distinct };
    } finally {
      await p.stop();
    }
  } finally {
    await env.drop();
  }
}

const ONE_CLICK = { 'content-type': 'application/x-www-form-urlencoded' };
const ONE_CLICK_BODY = 'List-Unsubscribe=One-Click';

/** Enough subscribers that each request unsubscribes someone still active. */
const audienceFor = (seconds: number) => Math.max(20_000, (seconds + WARMUP_SECONDS) * 15_000);

export function unsubscribeBaseline(seconds: number): Promise<HttpResult> {
  return withBareServer(async (url, databaseUrl, _slug, siteId, pid) => {
    const count = audienceFor(seconds);
    await withClient(databaseUrl, (c) => seedSubscribers(c, siteId, count));
    const ids = await withClient(databaseUrl, async (c) => (await c.query<{ id: string }>('SELECT id FROM subscribers ORDER BY id')).rows.map((r) => r.id));
    let i = 0;
    return measured(pid, { url, seconds, headers: ONE_CLICK, next: () => ({ path: `/unsubscribe/${ids[i++ % ids.length]}`, body: ONE_CLICK_BODY }) });
  });
}

/** RFC 8058 one-click POST /unsubscribe/{token} with tokens signed by TokensService. */
export async function unsubscribeVestnik(seconds: number, sink: Sink): Promise<HttpResult & { unsubscribed: number }> {
  const env = await createBenchEnv();
  try {
    const p = await launchVestnik({ role: 'api', env, smtpUrl: sink.url, label: 'unsubscribe' });
    try {
      const site = await createSite(p.url, 'none');
      await withClient(env.databaseUrl, (c) => seedSubscribers(c, site.id, audienceFor(seconds)));
      const tokens = new TokensService(loadConfig({ NODE_ENV: 'production', TOKEN_SECRETS, SMTP_URL: sink.url }));
      const paths = await withClient(env.databaseUrl, async (c) =>
        (await c.query<{ id: string }>('SELECT id FROM subscribers ORDER BY id')).rows.map(
          (r) => `/unsubscribe/${tokens.signUnsubscribe({ siteId: site.id, subscriberId: r.id })}`,
        ),
      );
      let i = 0;
      const result = await measured(p.pid, { url: p.url, seconds, headers: ONE_CLICK, next: () => ({ path: paths[i++ % paths.length], body: ONE_CLICK_BODY }) });
      const unsubscribed = await withClient(env.databaseUrl, async (c) =>
        Number((await c.query(`SELECT count(*) AS n FROM subscribers WHERE status = 'unsubscribed'`)).rows[0].n),
      );
      return { ...result, unsubscribed };
    } finally {
      await p.stop();
    }
  } finally {
    await env.drop();
  }
}
