/**
 * Summarises a V8 `.cpuprofile` (from `npm run bench -- --profile`): top functions by self
 * time, and self time grouped by package / source folder.
 *   npx ts-node --transpile-only bench/profile-summary.ts <file.cpuprofile> [top=25] [skip-ms=0]
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: Node[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame comes from: an npm package, a src/ folder, node internals, or GC/idle. */
function group(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const src = /vestnik-bench-build-[^/]+\/([^/]+)(?:\/([^/]+))?/.exec(url) ?? /\/src\/([^/]+)(?:\/([^/]+))?/.exec(url);
  if (src) return `src/${src[1]}`;
  if (url.startsWith('node:')) return url.split('/')[0];
  return url;
}

/** `skipMs`: leave out the first milliseconds of the profile (start-up, module loading). */
export function summarise(file: string, top = 25, skipMs = 0): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let at = 0;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (at >= skipMs * 1000) self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fns = new Map<string, number>();
  const groups = new Map<string, number>();
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const g = group(url, functionName);
    const key = `${functionName || '(anonymous)'} ${g}${url ? `:${lineNumber + 1}` : ''}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
    groups.set(g, (groups.get(g) ?? 0) + us);
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
  const lines = [`${file}: ${(total / 1000).toFixed(0)} ms sampled`, '', 'self time by origin:'];
  for (const [g, us] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, 15)) lines.push(`  ${pct(us)}  ${g}`);
  lines.push('', 'top functions (self):');
  for (const [f, us] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(us)}  ${f}`);
  return lines.join('\n');
}

if (require.main === module) {
  const [file, top, skipMs] = process.argv.slice(2);
  process.stdout.write(`${summarise(file, Number(top ?? 25), Number(skipMs ?? 0))}\n`);
}
