import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, openSync, readSync, rmSync, fstatSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_DIR, ROOT_DIR, startHelper, stopChild } from './proc';

export interface Sink {
  kind: 'smtp-sink' | 'smtp-server';
  port: number;
  url: string;
  pid: number;
  /** Messages the sink has accepted since it started. */
  delivered(): number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function smtpSinkPath(): string | null {
  for (const candidate of ['/usr/sbin/smtp-sink', '/usr/bin/smtp-sink']) {
    try {
      execFileSync('test', ['-x', candidate]);
      return candidate;
    } catch {
      /* not there */
    }
  }
  return null;
}

/**
 * A local SMTP server that accepts and discards everything, in its own process so it never
 * shares CPU accounting with Vestnik: Postfix's `smtp-sink` when installed (apt-get install
 * postfix), else a minimal `smtp-server` that drops DATA. `BENCH_SINK=node` forces the latter.
 */
export async function startSink(): Promise<Sink> {
  const binary = process.env.BENCH_SINK === 'node' ? null : smtpSinkPath();
  if (binary) {
    const port = await freePort();
    const args = ['-c', '-m', '1000'];
    if (process.getuid?.() === 0) args.push('-u', 'nobody');
    args.push(`127.0.0.1:${port}`, '1000');
    // The counter goes to a file that is read only when asked: through a pipe the harness woke
    // for every message (about 11% of a core at 8k msg/s), on the machine it was measuring.
    // About 24 bytes per message (24 MB for a million); removed when the sink stops.
    const counterFile = join(tmpdir(), `vestnik-smtp-sink-${port}.out`);
    const out = openSync(counterFile, 'w');
    const child: ChildProcess = spawn(binary, args, { cwd: ROOT_DIR, stdio: ['ignore', out, 'pipe'] });
    closeSync(out);
    const count = () => lastCounter(counterFile);
    await waitForPort(port);
    return {
      kind: 'smtp-sink',
      port,
      url: `smtp://127.0.0.1:${port}`,
      pid: child.pid!,
      delivered: count,
      stop: async () => {
        await stopChild(child);
        rmSync(counterFile, { force: true });
      },
    };
  }
  const { child, info } = await startHelper(process.execPath, ['-r', 'ts-node/register/transpile-only', join(BENCH_DIR, 'lib', 'node-sink.ts')], {
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' },
  });
  let count = 0;
  child.stdout!.on('data', (d: Buffer) => {
    count = lastMesg(d.toString()) ?? count;
  });
  const port = info.port as number;
  return {
    kind: 'smtp-server',
    port,
    url: `smtp://127.0.0.1:${port}`,
    pid: child.pid!,
    delivered: () => count,
    stop: () => stopChild(child),
  };
}

/** The last `mesg=N` smtp-sink wrote (`-c` rewrites its counter line after every message). */
function lastCounter(file: string): number {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const tail = Buffer.alloc(Math.min(size, 512));
    readSync(fd, tail, 0, tail.length, size - tail.length);
    return lastMesg(tail.toString('latin1')) ?? 0;
  } finally {
    closeSync(fd);
  }
}

/** The last `mesg=N` counter in `text` (both sinks print smtp-sink's), or null. */
function lastMesg(text: string): number | null {
  const all = [...text.matchAll(/mesg=(\d+)/g)];
  return all.length ? Number(all[all.length - 1][1]) : null;
}

async function waitForPort(port: number): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`SMTP sink did not listen on ${port}`);
}
