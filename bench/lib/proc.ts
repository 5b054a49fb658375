import { ChildProcess, spawn, SpawnOptions } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const BENCH_DIR = join(__dirname, '..');
export const ROOT_DIR = join(BENCH_DIR, '..');

const TICK_MS = 10; // CLK_TCK is 100 on Linux: /proc times are in 10 ms ticks.

/**
 * CPU time (user + system) a process has used so far, in ms, read from outside (no product hook
 * needed). `endedChildren` adds that of its children that have ended (cutime + cstime).
 */
export function cpuMs(pid: number, endedChildren = false): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime, stime, cutime, cstime are fields 14–17.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const own = Number(fields[11]) + Number(fields[12]);
  return (endedChildren ? own + Number(fields[13]) + Number(fields[14]) : own) * TICK_MS;
}

/**
 * CPU time in ms of every process whose command name is one of `commands` (e.g. `postgres`),
 * each with its ended children, by command and pid, from one pass over /proc. Two readings
 * subtracted with `cpuMsSince` give the CPU a service spent in between: a PostgreSQL backend that
 * ends in between is counted through the postmaster, which reaps it.
 */
export function cpuMsOfCommands<C extends string>(commands: readonly C[]): Record<C, Map<number, number>> {
  const out = Object.fromEntries(commands.map((c) => [c, new Map<number, number>()])) as Record<C, Map<number, number>>;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) as C;
      if (out[command]) out[command].set(Number(entry), cpuMs(Number(entry), true));
    } catch {
      // The process ended between listing and reading.
    }
  }
  return out;
}

/** CPU ms between two readings of one command, over the processes alive at the second. */
export function cpuMsSince(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

/**
 * A process's RSS in MB by what is mapped (/proc/<pid>/smaps): `anon` for anonymous memory (V8's
 * heap and native allocations), a file's base name for its pages (`node` for the binary), and
 * the kernel's names in brackets (`[heap]`, `[stack]`).
 */
export function rssByMapping(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  let name = '';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      const path = head[2];
      name = path === '' ? 'anon' : path.startsWith('/') ? path.split('/').pop()! : path;
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) out[name] = (out[name] ?? 0) + Number(rss[1]) / 1024;
  }
  return out;
}

/** Resident set size now and its peak (VmHWM), in MB. */
export function memoryMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/**
 * Proportional set size in MB (/proc/<pid>/smaps_rollup): pages shared with other processes, such
 * as the `node` binary's, count a share each instead of whole in every process's RSS.
 */
export function pssMb(pid: number): number {
  return Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0) / 1024;
}

/**
 * Samples the summed RSS of a set of processes, so "peak RSS of all processes" is the
 * largest simultaneous total, not a sum of peaks reached at different moments; and, every
 * `pssEvery`-th sample (smaps_rollup walks every mapping, so it costs more to read), their PSS.
 */
export class RssSampler {
  private timer: NodeJS.Timeout | null = null;
  private samples = 0;
  peakTotal = 0;
  peakPss = 0;

  constructor(private readonly pids: () => number[], private readonly everyMs = 100, private readonly pssEvery = 5) {}

  start(): this {
    this.timer = setInterval(() => this.sample(), this.everyMs);
    this.timer.unref();
    return this;
  }

  sample(): void {
    const withPss = this.samples++ % this.pssEvery === 0;
    let total = 0;
    let pss = 0;
    for (const pid of this.pids()) {
      try {
        total += memoryMb(pid).rss;
        if (withPss) pss += pssMb(pid);
      } catch {
        // The process exited between listing and reading.
      }
    }
    this.peakTotal = Math.max(this.peakTotal, total);
    if (withPss) this.peakPss = Math.max(this.peakPss, pss);
  }

  stop(): number {
    if (this.timer) clearInterval(this.timer);
    this.sample();
    return this.peakTotal;
  }
}

/** Spawns a process and resolves once it has exited; rejects on a non-zero exit. */
export function waitExit(child: ChildProcess, label: string): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('exit', (code, signal) => {
      if (code === 0 || signal === 'SIGTERM') resolve();
      else reject(new Error(`${label} exited with ${code ?? signal}`));
    });
    child.once('error', reject);
  });
}

export interface ChildResult<T> {
  result: T;
  cpuMs: number;
  peakRssMb: number;
}

/**
 * Runs `bench/child.ts <module> <args>` in its own process (so a baseline does not share CPU
 * accounting with the harness) and returns the JSON it prints last, with its CPU time and peak RSS.
 */
export function runChild<T>(modulePath: string, args: object, env: NodeJS.ProcessEnv = {}): Promise<ChildResult<T>> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(BENCH_DIR, 'child.ts'), modulePath, JSON.stringify(args)], {
    cwd: ROOT_DIR,
    env: { ...process.env, ...env, TS_NODE_TRANSPILE_ONLY: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let cpu = 0;
  let peak = 0;
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    // The child prints a marker right before it finishes, while /proc still has it.
    if (out.includes('\n@@done\n') && child.pid && cpu === 0) {
      try {
        cpu = cpuMs(child.pid);
        peak = memoryMb(child.pid).peak;
      } catch {
        /* already gone */
      }
    }
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`${modulePath} failed (${code}): ${err.slice(-2000)}`));
      const line = out.trim().split('\n').filter((l) => l.startsWith('@@result ')).pop();
      if (!line) return reject(new Error(`${modulePath} printed no result: ${out.slice(-500)} ${err.slice(-1000)}`));
      resolve({ result: JSON.parse(line.slice('@@result '.length)) as T, cpuMs: cpu, peakRssMb: peak });
    });
  });
}

/** Spawns a long-running helper (a sink, a bare server) that prints `@@ready <json>` when listening. */
export function startHelper(
  command: string,
  args: string[],
  options: SpawnOptions = {},
): Promise<{ child: ChildProcess; info: Record<string, unknown> }> {
  const child = spawn(command, args, { cwd: ROOT_DIR, stdio: ['ignore', 'pipe', 'pipe'], ...options });
  let out = '';
  let err = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} did not start: ${err.slice(-1000)}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /@@ready (.*)\n/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ child, info: JSON.parse(match[1]) as Record<string, unknown> });
      }
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited early (${code}): ${err.slice(-1000)}`));
    });
  });
}

/** Stops a child we started (by its own pid) and waits for it. */
export async function stopChild(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}
