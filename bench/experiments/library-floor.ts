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
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

const CHILD = `
const v8 = require('node:v8');
v8.setFlagsFromString('--expose-gc');
const gc = require('node:vm').runInNewContext('gc');
const { readFileSync } = require('node:fs');
const modules = JSON.parse(process.argv[1]);
const seconds = Number(process.argv[2]);
const failed = [];
for (const m of modules) { try { require(m); } catch { failed.push(m); } }
function reading() {
  let anon = 0, nodeBinary = 0;
  let kind = '';
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \\S+ \\S+ \\S+ \\S+\\s*(.*)$/.exec(line);
    if (head) { kind = head[1] === '' ? 'anon' : head[1] === process.execPath ? 'node' : 'other'; continue; }
    const rss = /^Rss:\\s+(\\d+) kB/.exec(line);
    if (rss && kind === 'anon') anon += Number(rss[1]) / 1024;
    if (rss && kind === 'node') nodeBinary += Number(rss[1]) / 1024;
  }
  const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.space_size / 1048576]));
  return { rss: process.memoryUsage().rss / 1048576, anon, nodeBinary, newSpace: spaces.new_space, oldSpace: spaces.old_space, heapUsed: process.memoryUsage().heapUsed / 1048576 };
}
gc(); gc();
const afterGc = reading();
setTimeout(() => { gc(); process.stdout.write(JSON.stringify({ failed, afterGc, idle: reading() })); }, seconds * 1000);
`;

const mb = (n: number) => n.toFixed(1);

function main(): void {
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
    const out = execFileSync(process.execPath, ['-e', CHILD, JSON.stringify(modules), String(seconds)], { cwd: ROOT, env: { ...process.env, NODE_ENV: 'production' } });
    const { failed, afterGc: a, idle: b } = JSON.parse(out.toString()) as {
      failed: string[];
      afterGc: Record<string, number>;
      idle: Record<string, number>;
    };
    const note = failed.length > 0 ? ` (not loadable by require: ${failed.join(', ')})` : '';
    console.log(
      `| ${label}${note} | ${mb(a.rss)} MB | ${mb(a.anon)} | ${mb(a.nodeBinary)} | ${mb(a.newSpace)} | ${mb(a.oldSpace)} (${mb(a.heapUsed)}) | ${mb(b.rss)} MB | ${mb(b.newSpace)} |`,
    );
  }
}

main();
