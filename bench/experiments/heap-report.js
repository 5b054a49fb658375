/* eslint-disable @typescript-eslint/no-require-imports, no-undef -- a plain CommonJS preload for `node --require` */
// Experiment only: what a process holds once started. Counts the JavaScript it loads, per package
// (files and bytes of source, which V8 keeps in the heap), and HEAP_REPORT_SECONDS (default 6) after
// start writes that and V8's heap spaces (committed / used / resident, MB) to the process's stderr,
// which the bench appends to its log in /tmp/vestnik-bench-logs/:
//   BENCH_NODE_OPTIONS=--require=$PWD/bench/experiments/heap-report.js \
//     npx ts-node --transpile-only bench/experiments/mem-breakdown.ts 8
const Module = require('node:module');
const { statSync } = require('node:fs');
const v8 = require('node:v8');

const perPackage = new Map();
const load = Module._extensions['.js'];
Module._extensions['.js'] = function (module, filename) {
  const name = (/node_modules\/((@[^/]+\/)?[^/]+)/.exec(filename) || [, 'vestnik'])[1];
  const entry = perPackage.get(name) || { files: 0, bytes: 0 };
  entry.files++;
  entry.bytes += statSync(filename).size;
  perPackage.set(name, entry);
  return load.call(this, module, filename);
};

const mb = (bytes) => (bytes / 1048576).toFixed(1);
setTimeout(
  () => {
    const packages = [...perPackage].sort((a, b) => b[1].bytes - a[1].bytes);
    const files = packages.reduce((sum, [, p]) => sum + p.files, 0);
    const bytes = packages.reduce((sum, [, p]) => sum + p.bytes, 0);
    const spaces = v8
      .getHeapSpaceStatistics()
      .filter((s) => s.space_size > 0)
      .map((s) => `${s.space_name} ${mb(s.space_size)}/${mb(s.space_used_size)}/${mb(s.physical_space_size)}`);
    const lines = [
      `@@heap-report ${process.env.VESTNIK_ROLE} rss ${mb(process.memoryUsage().rss)} MB; spaces (committed/used/resident MB): ${spaces.join(', ')}`,
      `@@heap-report ${files} files, ${mb(bytes)} MB of source: ${packages.slice(0, 25).map(([name, p]) => `${name} ${p.files}/${(p.bytes / 1024).toFixed(0)}K`).join(', ')}`,
    ];
    process.stderr.write(lines.join('\n') + '\n');
  },
  Number(process.env.HEAP_REPORT_SECONDS || 6) * 1000,
).unref();
