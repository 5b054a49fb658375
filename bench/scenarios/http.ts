import { join } from 'node:path';
import { migrate } from '../../src/database/migrate';
import { loadConfig } from '../../src/config/config';
import { TokensService } from '../../src/tokens/tokens.service';
import { createBenchEnv, TOKEN_SECRETS, withClient } from '../lib/env';
import { load, LoadOptions, LoadResult } from '../lib/load';
import { median } from '../lib/report';
import { BENCH_DIR, cpuMs, startHelper, stopChild } from '../lib/proc';
import { insertSite, seedSubscribers } from '../lib/seed';
import { Sink } from '../lib/sink';
import { createSite, launchVestnik, VestnikProcess } from '../lib/vestnik';

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

/** A server under load: what to send it, and the process whose CPU counts. */
interface HttpTarget {
  pid: number;
  options: Omit<LoadOptions, 'seconds'>;
}

/** The baseline and Vestnik side by side over the same seconds, and Vestnik's rate ÷ the baseline's per pair of turns. */
export interface HttpComparison {
  base: HttpResult;
  vestnik: HttpResult;
  turnRatios: number[];
}

/** Length of one turn of load on one side. */
export const TURN_SECONDS = 2;

interface Tally {
  ok: number;
  non2xx: number;
  errors: number;
  seconds: number;
  cpuMs: number;
  p50: number[];
  p99: number[];
}

const tally = (): Tally => ({ ok: 0, non2xx: 0, errors: 0, seconds: 0, cpuMs: 0, p50: [], p99: [] });

async function turn(target: HttpTarget, into: Tally): Promise<number> {
  const cpu0 = cpuMs(target.pid);
  const r = await load({ ...target.options, seconds: TURN_SECONDS });
  into.cpuMs += cpuMs(target.pid) - cpu0;
  into.ok += r.ok;
  into.non2xx += r.non2xx;
  into.errors += r.errors;
  into.seconds += r.seconds;
  into.p50.push(r.p50);
  into.p99.push(r.p99);
  return r.rps;
}

const summary = (t: Tally): HttpResult => ({
  rps: t.ok / t.seconds,
  seconds: t.seconds,
  p50: median(t.p50),
  p99: median(t.p99),
  ok: t.ok,
  non2xx: t.non2xx,
  errors: t.errors,
  cpuMsPerRequest: t.cpuMs / Math.max(1, t.ok),
});

/**
 * Both servers up at once and warmed up, then loaded in turns of TURN_SECONDS until each has had
 * `seconds`: baseline then Vestnik, then Vestnik then baseline, and so on. This machine's speed
 * drifts by up to a third from one minute to the next (one 10 s run after another, the same bare
 * route went from 3,451 to 2,490 req/s); in turns of two seconds both sides see the same machine.
 * The side not under load is idle meanwhile.
 */
async function interleaved(base: HttpTarget, vestnik: HttpTarget, seconds: number): Promise<HttpComparison> {
  const sides = { base: tally(), vestnik: tally() };
  // A failure while warming up is still a failure of the run.
  for (const [target, t] of [[base, sides.base], [vestnik, sides.vestnik]] as const) {
    const warm = await load({ ...target.options, seconds: WARMUP_SECONDS });
    t.non2xx += warm.non2xx;
    t.errors += warm.errors;
  }
  const turnRatios: number[] = [];
  const turns = Math.max(1, Math.round(seconds / TURN_SECONDS));
  for (let i = 0; i < turns; i++) {
    if (i % 2 === 0) {
      const b = await turn(base, sides.base);
      turnRatios.push((await turn(vestnik, sides.vestnik)) / b);
    } else {
      const v = await turn(vestnik, sides.vestnik);
      turnRatios.push(v / (await turn(base, sides.base)));
    }
  }
  return { base: summary(sides.base), vestnik: summary(sides.vestnik), turnRatios };
}

type BenchSite = Awaited<ReturnType<typeof createSite>>;

/** Vestnik's api role on a fresh database, with a `none` site; `fn` runs while it is up. */
async function withVestnikApi<T>(sink: Sink, fn: (p: VestnikProcess, site: BenchSite, databaseUrl: string) => Promise<T>): Promise<T> {
  const env = await createBenchEnv();
  try {
    const p = await launchVestnik({ role: 'api', env, smtpUrl: sink.url, label: 'http' });
    try {
      return await fn(p, await createSite(p.url, 'none'), env.databaseUrl);
    } finally {
      await p.stop();
    }
  } finally {
    await env.drop();
  }
}

/** POST /v1/sites/{site}/subscribers on a `none` site (one api process) against the bare route doing the same writes. */
export function registerComparison(seconds: number, sink: Sink): Promise<HttpComparison & { distinct: number }> {
  return withBareServer((bareUrl, _db, bareSlug, _siteId, barePid) =>
    withVestnikApi(sink, async (p, site, databaseUrl) => {
      const result = await interleaved(
        { pid: barePid, options: { url: bareUrl, headers: { 'content-type': 'application/json' }, next: () => ({ path: `/v1/sites/${bareSlug}/subscribers`, body: registerBody() }) } },
        {
          pid: p.pid,
          options: {
            url: p.url,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${site.backendKey}` },
            next: () => ({ path: `/v1/sites/${site.slug}/subscribers`, body: registerBody() }),
          },
        },
        seconds,
      );
      const distinct = await withClient(databaseUrl, async (c) => Number((await c.query('SELECT count(*) AS n FROM subscribers')).rows[0].n));
      return { ...result, distinct };
    }),
  );
}

const ONE_CLICK = { 'content-type': 'application/x-www-form-urlencoded' };
const ONE_CLICK_BODY = 'List-Unsubscribe=One-Click';

/** Enough subscribers that each request unsubscribes someone still active. */
const audienceFor = (seconds: number) => Math.max(20_000, (seconds + WARMUP_SECONDS) * 15_000);

/** RFC 8058 one-click POST /unsubscribe/{token} (tokens signed by TokensService) against a bare route doing the same UPDATE + event. */
export function unsubscribeComparison(seconds: number, sink: Sink): Promise<HttpComparison & { unsubscribed: number }> {
  const audience = audienceFor(seconds);
  return withBareServer(async (bareUrl, bareDatabaseUrl, _slug, bareSiteId, barePid) => {
    await withClient(bareDatabaseUrl, (c) => seedSubscribers(c, bareSiteId, audience));
    const ids = await withClient(bareDatabaseUrl, async (c) => (await c.query<{ id: string }>('SELECT id FROM subscribers ORDER BY id')).rows.map((r) => r.id));
    return withVestnikApi(sink, async (p, site, databaseUrl) => {
      await withClient(databaseUrl, (c) => seedSubscribers(c, site.id, audience));
      const tokens = new TokensService(loadConfig({ NODE_ENV: 'production', TOKEN_SECRETS, SMTP_URL: sink.url }));
      const paths = await withClient(databaseUrl, async (c) =>
        (await c.query<{ id: string }>('SELECT id FROM subscribers ORDER BY id')).rows.map(
          (r) => `/unsubscribe/${tokens.signUnsubscribe({ siteId: site.id, subscriberId: r.id })}`,
        ),
      );
      let i = 0;
      let j = 0;
      const result = await interleaved(
        { pid: barePid, options: { url: bareUrl, headers: ONE_CLICK, next: () => ({ path: `/unsubscribe/${ids[i++ % ids.length]}`, body: ONE_CLICK_BODY }) } },
        { pid: p.pid, options: { url: p.url, headers: ONE_CLICK, next: () => ({ path: paths[j++ % paths.length], body: ONE_CLICK_BODY }) } },
        seconds,
      );
      const unsubscribed = await withClient(databaseUrl, async (c) =>
        Number((await c.query(`SELECT count(*) AS n FROM subscribers WHERE status = 'unsubscribed'`)).rows[0].n),
      );
      return { ...result, unsubscribed };
    });
  });
}
