import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { BENCH_DIR } from './proc';
import { vestnikOverrides } from './vestnik';

export interface Row {
  scenario: string;
  vestnik: string;
  baseline: string;
  /** Vestnik ÷ baseline (higher is better for rates, lower for costs). */
  ratio: number | null;
  /** The target column's text; a row with a `bound` and no text prints the bound (`boundText`). */
  target?: string;
  pass: boolean | null;
  /** The bound the ratio itself is held to, where the row's verdict is that comparison. */
  bound?: Bound;
}

export type Bound = { atLeast: number } | { atMost: number };

export const boundText = (bound: Bound): string => ('atLeast' in bound ? `≥ ${bound.atLeast}` : `≤ ${bound.atMost}`);

export const meets = (value: number, bound: Bound): boolean => ('atLeast' in bound ? value >= bound.atLeast : value <= bound.atMost);

/** A row's ratio, the bound it is held to and the verdict that follows; `also` is a condition beside the ratio (e.g. the ledger's). */
export function heldTo(ratio: number, bound: Bound, also = true): Pick<Row, 'ratio' | 'bound' | 'pass'> {
  return { ratio, bound, pass: also && meets(ratio, bound) };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Field-wise median of several runs' numeric results (non-numbers come from the first run). */
export function medianOf<T extends object>(runs: T[]): T {
  const all = runs as unknown as Record<string, unknown>[];
  const out: Record<string, unknown> = { ...all[0] };
  for (const [key, value] of Object.entries(all[0])) {
    if (typeof value === 'number') out[key] = median(all.map((r) => r[key] as number));
  }
  return out as unknown as T;
}

export const fmt = (n: number, digits = 0) =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '—';

export function table(rows: Row[]): string {
  const lines = [
    '| scenario | Vestnik | baseline (same run) | ratio | target | |',
    '| --- | ---: | ---: | ---: | --- | --- |',
  ];
  for (const r of rows) {
    const mark = r.pass === null ? '' : r.pass ? 'met' : '**missed**';
    lines.push(`| ${r.scenario} | ${r.vestnik} | ${r.baseline} | ${r.ratio === null ? '—' : formatRatio(r.ratio, r.bound)} | ${r.target ?? (r.bound ? boundText(r.bound) : '')} | ${mark} |`);
  }
  return lines.join('\n');
}

/**
 * Two decimals, or as many more (up to four) as it takes for a ratio that misses its bound not
 * to be shown rounded onto it (0.4954 against ≥ 0.5 reads 0.495, not 0.50).
 */
export function formatRatio(ratio: number, bound?: Bound): string {
  let digits = 2;
  while (bound && !meets(ratio, bound) && meets(Number(ratio.toFixed(digits)), bound) && digits < 4) digits++;
  return fmt(ratio, digits);
}

/** The run's heading, the machine line followed by `about` (how the figures were taken), then any experiment flags. */
export function header(mode: string, args: string[], sinkKind: string, started: Date, about: string): string {
  const cpu = cpus();
  return [
    `## ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC — \`npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}\` (${mode})`,
    '',
    `${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, Node ${process.version}, sink: ${sinkKind}, load average at start ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}. ${about}`,
    ...(process.env.BENCH_NODE_OPTIONS ? ['', `**Experiment**: Vestnik processes ran with NODE_OPTIONS=\`${process.env.BENCH_NODE_OPTIONS}\` (not the product as shipped).`] : []),
    ...Object.entries(vestnikOverrides()).flatMap(([name, value]) => ['', `**Experiment**: Vestnik processes ran with ${name}=\`${value}\` set by \`BENCH_VESTNIK_${name}\`.`]),
  ].join('\n');
}

/** Appends this run to bench/results/<YYYY-MM-DD>.md (one file per day, newest run last). */
export function writeResults(started: Date, markdown: string): string {
  const dir = join(BENCH_DIR, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${started.toISOString().slice(0, 10)}.md`);
  if (!existsSync(file)) writeFileSync(file, `# Vestnik benchmarks, ${started.toISOString().slice(0, 10)}\n\nSee README.md, "Benchmarks", for what each row measures.\n`);
  appendFileSync(file, `\n${markdown}\n`);
  return file;
}
