import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const OUTPUT_LIMIT = 64 * 1024;

export type Role = 'api' | 'worker' | 'all';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * One Vestnik process (`node -r ts-node/register/transpile-only src/main.ts`) in a given role.
 * Its stdout and stderr are kept (the last 64 KiB) so a failing test can say what the process said.
 */
export class VestnikProcess {
  readonly exited: Promise<Exit>;
  private output = '';
  private readonly child: ChildProcess;

  private constructor(
    readonly role: Role,
    readonly name: string,
    readonly port: number,
    env: Record<string, string>,
  ) {
    this.child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(ROOT, 'src', 'main.ts')], {
      cwd: ROOT,
      env: { ...process.env, ...env, VESTNIK_ROLE: role, PORT: String(port), TS_NODE_TRANSPILE_ONLY: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => {
      this.output += chunk.toString();
      if (this.output.length > OUTPUT_LIMIT) this.output = this.output.slice(-OUTPUT_LIMIT);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.exited = new Promise<Exit>((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
    // If the test runner itself dies, take the children along rather than leave them running.
    const orphanGuard = () => this.child.kill('SIGKILL');
    process.once('exit', orphanGuard);
    void this.exited.then(() => process.removeListener('exit', orphanGuard));
  }

  /** Spawns the process; `api` and `all` are ready when /health answers 200. */
  static async start(role: Role, name: string, env: Record<string, string>): Promise<VestnikProcess> {
    const port = role === 'worker' ? 0 : await freePort();
    const proc = new VestnikProcess(role, name, port, env);
    if (role !== 'worker') await proc.waitHealthy();
    return proc;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** What the process printed, for failure messages. */
  log(): string {
    return this.output;
  }

  async waitHealthy(timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`${this.name} exited during start-up:\n${this.output}`);
      try {
        const res = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(2000) });
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await sleep(250);
    }
    throw new Error(`${this.name} did not become healthy in ${timeoutMs} ms:\n${this.output}`);
  }

  /** SIGKILL: no shutdown hooks, in-flight work is abandoned mid-way. */
  async kill(): Promise<Exit> {
    if (this.running) this.child.kill('SIGKILL');
    return this.exited;
  }

  /** SIGTERM and wait for the exit (SIGKILL after `timeoutMs`, reported as a failure by the caller). */
  async terminate(timeoutMs = 45_000): Promise<Exit> {
    if (!this.running) return this.exited;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}
