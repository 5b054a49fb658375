import { ChildProcess, execFile, spawn } from 'node:child_process';
import { appendFileSync, closeSync, cpSync, mkdirSync, openSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { ADMIN_KEY, BenchEnv, REDIS_URL, TOKEN_SECRETS } from './env';
import { cpuMs, memoryMb, ROOT_DIR, stopChild } from './proc';
import { freePort } from './sink';

const exec = promisify(execFile);

let buildDir: string | null = null;

/**
 * Compiles src/ once per harness run into a private directory (not dist/, which other people's
 * `npm start` may be rebuilding). tsc emits even when someone's half-written file has a type error.
 */
export async function buildVestnik(): Promise<string> {
  if (buildDir) return buildDir;
  const dir = mkdtempSync(join(tmpdir(), 'vestnik-bench-build-'));
  await exec(
    process.execPath,
    [join(ROOT_DIR, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', dir, '--incremental', 'false', '--sourceMap', 'false', '--noEmitOnError', 'false'],
    { cwd: ROOT_DIR, maxBuffer: 16 * 1024 * 1024 },
  ).catch((error: { stdout?: string }) => {
    // Type errors still emit JavaScript; only a missing entry point is fatal (checked below).
    if (process.env.BENCH_VERBOSE) process.stderr.write(error.stdout ?? '');
  });
  copyAssets(join(ROOT_DIR, 'src'), dir);
  statSync(join(dir, 'main.js'));
  buildDir = dir;
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Non-TypeScript files under src (templates, pages) that the app reads at run time. */
function copyAssets(src: string, out: string): void {
  for (const entry of readdirSync(src, { withFileTypes: true })) {
    const path = join(src, entry.name);
    if (entry.isDirectory()) copyAssets(path, out);
    else if (!/\.ts$/.test(entry.name)) {
      const target = join(out, relative(join(ROOT_DIR, 'src'), path));
      mkdirSync(join(target, '..'), { recursive: true });
      cpSync(path, target);
    }
  }
}

export interface VestnikProcess {
  role: 'api' | 'worker' | 'all';
  child: ChildProcess;
  pid: number;
  /** http://127.0.0.1:<port> (api and all roles). */
  url: string;
  cpuMs(): number;
  peakRssMb(): number;
  stop(): Promise<void>;
}

export interface LaunchOptions {
  role: 'api' | 'worker' | 'all';
  env: BenchEnv;
  smtpUrl: string;
  extraEnv?: Record<string, string>;
  /** Write a V8 CPU profile (`--cpu-prof`) into this directory on exit. */
  cpuProfDir?: string;
  /** Node/V8 flags instead of the product's (`npm start`'s, see productNodeFlags); experiments only. */
  nodeFlags?: string[];
  label?: string;
}

let profileAll: string | undefined;
/** `--profile`: every Vestnik process of this run writes a V8 CPU profile into `dir` on exit. */
export function profileEveryProcess(dir: string): void {
  profileAll = dir;
}

export const LOG_DIR = join(tmpdir(), 'vestnik-bench-logs');

/** Settings given as `BENCH_VESTNIK_<NAME>=value`, as `{ NAME: value }` (experiments). */
export function vestnikOverrides(): Record<string, string> {
  const prefix = 'BENCH_VESTNIK_';
  return Object.fromEntries(
    Object.entries(process.env)
      .filter(([name, value]) => name.startsWith(prefix) && value !== undefined)
      .map(([name, value]) => [name.slice(prefix.length), value as string]),
  );
}

/**
 * The node flags of `npm start` (package.json `scripts.start`: `node [flags] dist/main.js`, the
 * same command line as the Dockerfile's CMD), so the bench measures Vestnik as it is started.
 */
export function productNodeFlags(): string[] {
  const start: string = JSON.parse(readFileSync(join(ROOT_DIR, 'package.json'), 'utf8')).scripts.start;
  const match = /^node((?:\s+-\S+)*)\s+dist\/main\.js$/.exec(start.trim());
  if (!match) throw new Error(`package.json scripts.start is not "node [flags] dist/main.js": ${start}`);
  return match[1].split(/\s+/).filter(Boolean);
}

/** Starts one Vestnik process in production mode and waits until it serves (api) or consumes (worker). */
export async function launchVestnik(options: LaunchOptions): Promise<VestnikProcess> {
  const dir = await buildVestnik();
  const port = await freePort();
  mkdirSync(LOG_DIR, { recursive: true });
  // stdout goes straight to a file: through a pipe, pino's synchronous writes would stall
  // whenever the harness (busy driving autocannon) is slow to read, and that would be measured.
  const logFile = join(LOG_DIR, `${options.label ?? 'vestnik'}-${options.role}-${options.env.redisPrefix}.log`);
  const logFd = openSync(logFile, 'a');
  const profDir = options.cpuProfDir ?? profileAll;
  const nodeArgs = [...(options.nodeFlags ?? productNodeFlags())];
  if (profDir) {
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${profDir}`, `--cpu-prof-name=${options.label ?? 'vestnik'}-${options.role}-${options.env.redisPrefix}.cpuprofile`);
  }
  const child = spawn(process.execPath, [...nodeArgs, join(dir, 'main.js')], {
    cwd: ROOT_DIR,
    stdio: ['ignore', logFd, 'pipe'],
    env: {
      PATH: process.env.PATH,
      // The build lives outside the repository; let it resolve the repository's node_modules.
      NODE_PATH: join(ROOT_DIR, 'node_modules'),
      NODE_ENV: 'production',
      DATABASE_URL: options.env.databaseUrl,
      REDIS_URL,
      REDIS_PREFIX: options.env.redisPrefix,
      SMTP_URL: options.smtpUrl,
      TOKEN_SECRETS,
      ADMIN_API_KEY: ADMIN_KEY,
      PUBLIC_URL: 'https://vestnik.bench.test',
      PORT: String(port),
      VESTNIK_ROLE: options.role,
      // The public-page rate limit is per client address and every bench request comes from 127.0.0.1.
      PUBLIC_RATE_LIMIT_PER_MINUTE: '1000000',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
      // Experiments: e.g. `--require=…` a preload that instruments or patches the process.
      ...(process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {}),
      // Experiments: `BENCH_VESTNIK_SEND_CONCURRENCY=16` reaches the processes as SEND_CONCURRENCY=16.
      ...vestnikOverrides(),
      ...options.extraEnv,
    },
  });
  closeSync(logFd);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
    appendFileSync(logFile, d);
  });
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`Vestnik ${options.role} exited (${code}) while starting: ${stderr}`))),
  );
  exited.catch(() => undefined);
  const url = `http://127.0.0.1:${port}`;
  try {
    await Promise.race([options.role === 'worker' ? waitForWorkers(options.env.redisPrefix) : waitForHealth(url), exited]);
  } catch (error) {
    await stopChild(child, 'SIGKILL');
    throw error;
  }
  const pid = child.pid!;
  return {
    role: options.role,
    child,
    pid,
    url,
    cpuMs: () => cpuMs(pid),
    peakRssMb: () => memoryMb(pid).peak,
    stop: () => stopChild(child),
  };
}

async function waitForHealth(url: string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/health`);
      if (res.status === 200) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Vestnik at ${url} did not become healthy`);
}

/** A worker is ready once BullMQ lists a consumer on the send queue (CLIENT LIST names). */
async function waitForWorkers(prefix: string): Promise<void> {
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue('send', { prefix, connection });
  try {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if ((await queue.getWorkersCount()) > 0) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('Vestnik worker did not start consuming');
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

/** Small JSON client for the Vestnik API. */
export async function api<T = Record<string, unknown>>(
  base: string,
  method: string,
  path: string,
  key: string | null,
  body?: unknown,
  expected?: number,
): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if ((expected !== undefined && res.status !== expected) || res.status >= 400) {
    throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 500)}`);
  }
  return (text ? JSON.parse(text) : {}) as T;
}

/** A site (with the given confirmation policy) and a key of each role, through the admin API. */
export async function createSite(
  base: string,
  confirmation: 'none' | 'notice' | 'double_opt_in' = 'none',
): Promise<{ slug: string; id: string; backendKey: string; marketingKey: string }> {
  const slug = `bench-${Math.random().toString(36).slice(2, 8)}`;
  const site = await api<{ id: string }>(base, 'POST', '/v1/sites', ADMIN_KEY, {
    slug,
    name: 'Бенч',
    baseUrl: 'https://bench.vestnik.test',
    fromEmail: 'news@bench.vestnik.test',
    fromName: 'Бенч',
    confirmation,
    locale: 'ru',
  });
  const backend = await api<{ key: string }>(base, 'POST', `/v1/sites/${slug}/keys`, ADMIN_KEY, { name: 'bench backend', role: 'backend' });
  const marketing = await api<{ key: string }>(base, 'POST', `/v1/sites/${slug}/keys`, ADMIN_KEY, { name: 'bench marketing', role: 'marketing' });
  return { slug, id: site.id, backendKey: backend.key, marketingKey: marketing.key };
}
