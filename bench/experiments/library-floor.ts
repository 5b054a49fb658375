/**
 * The memory floor under one Vestnik process: what a `node` process holds after it has only loaded
 * modules, with no app started, no connection open and no work done. Each set runs in its own
 * child; after the requires it runs two full GCs and reads RSS, then idles `seconds` so V8's memory
 * reducer can shrink the young generation (which a forced GC does not), and reads RSS again.
 *
 *   npm run build && npx ts-node --transpile-only bench/experiments/library-floor.ts [seconds=30]
 *
 * Sets: bare `node`; every runtime dependency in package.json; those plus the compiled app's
 * modules (`dist/app.module.js`, which pulls in every feature module, without bootstrapping it).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { memoryMb, rssByMapping } from '../lib/proc';

const ROOT = join(__dirname, '..', '..');

/** Loads the modules, then on each line from the parent: full GCs (after `idle` seconds) and its heap spaces. */
const CHILD = `
const v8 = require('node:v8');
v8.setFlagsFromString('--expose-gc');
const gc = require('node:vm').runInNewContext('gc');
const failed = [];
for (const m of JSON.parse(process.argv[1])) { try { require(m); } catch { failed.push(m); } }
const report = () => {
  gc(); gc();
  const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.space_size / 1048576]));
  process.stdout.write(JSON.stringify({ failed, newSpace: spaces.new_space, oldSpace: spaces.old_space, heapUsed: process.memoryUsage().heapUsed / 1048576 }) + '\\n');
};
require('node:readline').createInterface({ input: process.stdin }).on('line', (idle) => setTimeout(report, Number(idle) * 1000));
`;

interface Heap {
  failed: string[];
  newSpace: number;
  oldSpace: number;
  heapUsed: number;
}

const mb = (n: number) => n.toFixed(1);

/** The child's heap after GC and, read from outside at that moment, its RSS by mapping; at once and after `seconds`. */
async function measure(modules: string[], seconds: number): Promise<Array<Heap & { rss: number; anon: number; nodeBinary: number }>> {
  const child = spawn(process.execPath, ['-e', CHILD, JSON.stringify(modules)], { cwd: ROOT, env: { ...process.env, NODE_ENV: 'production' }, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const readings = [];
  try {
    for (const idle of [0, seconds]) {
      child.stdin.write(`${idle}\n`);
      const heap = JSON.parse((await lines.next()).value as string) as Heap;
      const byMapping = rssByMapping(child.pid!);
      readings.push({ ...heap, rss: memoryMb(child.pid!).rss, anon: byMapping.anon ?? 0, nodeBinary: byMapping.node ?? 0 });
    }
  } finally {
    child.kill();
  }
  return readings;
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 30);
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const dependencies = ['reflect-metadata', ...Object.keys(pkg.dependencies).filter((d) => d !== 'reflect-metadata')];
  const appModule = join(ROOT, 'dist', 'app.module.js');
  if (!existsSync(appModule)) throw new Error('dist/app.module.js is missing: run `npm run build` first');
  const sets: Array<[string, string[]]> = [
    ['bare node', []],
    [`${dependencies.length} runtime dependencies`, dependencies],
    ['those + the app modules', [...dependencies, appModule]],
  ];
  console.log(`| set | RSS after GC | anon | \`node\` binary | new space | old space (used) | RSS after ${seconds} s idle | new space then |`);
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const [label, modules] of sets) {
    const [a, b] = await measure(modules, seconds);
    const note = a.failed.length > 0 ? ` (not loadable by require: ${a.failed.join(', ')})` : '';
    console.log(
      `| ${label}${note} | ${mb(a.rss)} MB | ${mb(a.anon)} | ${mb(a.nodeBinary)} | ${mb(a.newSpace)} | ${mb(a.oldSpace)} (${mb(a.heapUsed)}) | ${mb(b.rss)} MB | ${mb(b.newSpace)} |`,
    );
  }
}

void main();
