/**
 * CSV import benchmark: `run({ rows })` generates a CSV file, starts a real Vestnik (role api,
 * compiled JS, its own fresh database) in a child process, imports the file over HTTP and
 * reports rows/s and the app's peak RSS, then times a plain COPY of the same file into an
 * unindexed table as the floor. Run alone: `npx ts-node --transpile-only bench/import.bench.ts 100000`.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  cpSync,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  rmSync,
  statSync,
} from 'node:fs';
import { request } from 'node:http';
import { AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { memoryMb, ROOT_DIR, RssSampler } from './lib/proc';

const PG_ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ADMIN_KEY = 'bench-admin-key-0123456789abcdef';
const WORK_DIR = join(tmpdir(), 'vestnik-import-bench');

export async function run(opts: { rows: number }): Promise<Record<string, number | string>> {
  const rows = opts.rows;
  mkdirSync(WORK_DIR, { recursive: true });
  const file = join(WORK_DIR, `import-${rows}.csv`);
  await writeCsv(file, rows);
  const fileMb = statSync(file).size / 1024 / 1024;
  const dist = compile();

  const db = await createDatabase();
  const port = await freePort();
  const app = spawn(process.execPath, [join(dist, 'main.js')], {
    cwd: ROOT_DIR,
    env: {
      ...process.env,
      NODE_ENV: 'development',
      // The compiled tree lives outside the repository; dependencies still come from it.
      NODE_PATH: join(ROOT_DIR, 'node_modules'),
      DATABASE_URL: db.url,
      REDIS_URL,
      REDIS_PREFIX: `bench-import-${randomBytes(3).toString('hex')}`,
      ADMIN_API_KEY: ADMIN_KEY,
      PORT: String(port),
      VESTNIK_ROLE: 'api',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  app.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    await waitHealthy(port, app, () => stderr);
    const { slug, key } = await createSite(port);
    const idleRss = memoryMb(app.pid!).rss;
    const sampler = new RssSampler(() => [app.pid!], 50).start();
    const started = process.hrtime.bigint();
    const answer = await upload(port, slug, key, file);
    const importSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const samplePeak = sampler.stop();
    const peak = Math.max(samplePeak, memoryMb(app.pid!).peak);
    if (answer.created !== rows)
      throw new Error(`expected ${rows} created, got ${JSON.stringify(answer)}`);

    const copySeconds = await plainCopy(db.url, file);
    return {
      rows,
      fileMb: round(fileMb),
      importSeconds: round(importSeconds),
      importRowsPerSecond: Math.round(rows / importSeconds),
      appIdleRssMb: round(idleRss),
      appPeakRssMb: round(peak),
      copySeconds: round(copySeconds),
      copyRowsPerSecond: Math.round(rows / copySeconds),
      importVsCopy: round(importSeconds / copySeconds),
    };
  } finally {
    if (app.exitCode === null && app.signalCode === null) {
      const exited = new Promise((resolve) => app.once('exit', resolve));
      app.kill('SIGTERM');
      await exited;
    }
    await db.drop();
  }
}

/** `userN@exM.ru,Имя N,ru,cityK`: about 40 bytes a row, so a million rows stay under the 50 MiB cap. */
async function writeCsv(file: string, rows: number): Promise<void> {
  if (existsSync(file)) return;
  const out = createWriteStream(file);
  out.write('email,name,locale,city\n');
  for (let i = 0; i < rows; i++) {
    if (!out.write(`user${i}@ex${i % 97}.ru,Имя ${i},ru,c${i % 50}\n`)) {
      await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
  }
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
}

/** Plain JS, so the RSS measured is the service's and not a TypeScript compiler's. */
function compile(): string {
  const out = join(WORK_DIR, 'dist');
  rmSync(out, { recursive: true, force: true });
  try {
    execFileSync(
      process.execPath,
      [
        join(ROOT_DIR, 'node_modules/typescript/bin/tsc'),
        '-p',
        'tsconfig.build.json',
        '--outDir',
        out,
        '--incremental',
        'false',
        '--sourceMap',
        'false',
      ],
      { cwd: ROOT_DIR, stdio: 'pipe' },
    );
  } catch {
    // Type errors elsewhere in a shared tree do not stop tsc from emitting JavaScript.
  }
  if (!existsSync(join(out, 'main.js'))) throw new Error('compilation produced no main.js');
  // Templates, views and other assets, as `nest build` copies them.
  cpSync(join(ROOT_DIR, 'src'), out, {
    recursive: true,
    filter: (path) => statSync(path).isDirectory() || !path.endsWith('.ts'),
  });
  return out;
}

async function createDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `vestnik_bench_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new Client({ connectionString: PG_ADMIN_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function waitHealthy(port: number, app: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (app.exitCode !== null) throw new Error(`app exited: ${stderr().slice(-2000)}`);
    const status = await call(port, 'GET', '/health').then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`app did not become healthy: ${stderr().slice(-2000)}`);
}

async function createSite(port: number): Promise<{ slug: string; key: string }> {
  const slug = 'bench';
  const site = await call(port, 'POST', '/v1/sites', ADMIN_KEY, {
    slug,
    name: 'Bench',
    baseUrl: 'https://bench.example',
    fromEmail: 'news@bench.example',
    fromName: 'Bench',
    confirmation: 'none',
    locale: 'ru',
  });
  if (site.status !== 201) throw new Error(`site: ${site.status} ${site.body}`);
  const key = await call(port, 'POST', `/v1/sites/${slug}/keys`, ADMIN_KEY, {
    name: 'bench',
    role: 'marketing',
  });
  return { slug, key: (JSON.parse(key.body) as { key: string }).key };
}

function call(
  port: number,
  method: string,
  path: string,
  key?: string,
  body?: object,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const data = body ? JSON.stringify(body) : undefined;
    const req = request(
      {
        port,
        host: '127.0.0.1',
        method,
        path,
        agent: false,
        headers: {
          ...(key ? { authorization: `Bearer ${key}` } : {}),
          ...(data
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) }
            : {}),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

async function upload(
  port: number,
  slug: string,
  key: string,
  file: string,
): Promise<{ created: number }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        port,
        host: '127.0.0.1',
        method: 'POST',
        path: `/v1/sites/${slug}/subscribers/import?source=bench`,
        agent: false,
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'text/csv',
          'content-length': statSync(file).size,
        },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(JSON.parse(text) as { created: number })
            : reject(new Error(`import: ${res.statusCode} ${text}`)),
        );
      },
    );
    req.on('error', reject);
    createReadStream(file).pipe(req);
  });
}

/** The floor: the same file into an unindexed table with COPY, no validation and no merge. */
async function plainCopy(url: string, file: string): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE TABLE copy_bench (email text, name text, locale text, city text)`);
    const started = process.hrtime.bigint();
    await pipeline(
      createReadStream(file),
      client.query(copyFrom(`COPY copy_bench FROM STDIN (FORMAT csv, HEADER)`)),
    );
    return Number(process.hrtime.bigint() - started) / 1e9;
  } finally {
    await client.end();
  }
}

const round = (n: number) => Math.round(n * 100) / 100;

if (require.main === module) {
  run({ rows: Number(process.argv[2] ?? 100_000) }).then(
    (result) => console.log(JSON.stringify(result)),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
