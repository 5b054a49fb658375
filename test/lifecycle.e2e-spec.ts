import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from '../bench/lib/sink';
import { migrate } from '../src/database/migrate';
import { waitFor } from './support/test-app';
import { createTestEnvironment, TestEnvironment } from './support/test-env';

describe('Start-up and shutdown', () => {
  let env: TestEnvironment;
  beforeAll(async () => {
    env = await createTestEnvironment();
  });
  afterAll(async () => {
    await env.drop();
  });

  it('applies migrations once when several processes start together', async () => {
    const results = await Promise.all([migrate(env.databaseUrl), migrate(env.databaseUrl), migrate(env.databaseUrl)]);
    const applied = results.flat();
    expect(applied.length).toBeGreaterThan(0);
    expect(new Set(applied).size).toBe(applied.length); // no migration ran twice
    const client = new Client({ connectionString: env.databaseUrl });
    await client.connect();
    const rows = await client.query('SELECT name FROM migrations');
    await client.end();
    expect(rows.rowCount).toBe(applied.length);
  });

  it('serves HTTP, then on SIGTERM stops accepting and exits 0', async () => {
    // A port the kernel just handed out, not a random one that an outgoing connection may hold.
    const port = await freePort();
    const child: ChildProcess = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', join(__dirname, '..', 'src', 'main.ts')],
      { env: { ...process.env, ...env.env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health`)).ok, 60_000, 200).catch((error: Error) => {
        throw new Error(`${error.message}; exit code ${child.exitCode}; stderr: ${stderr.slice(-2000)}`);
      });
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    expect(stderr).not.toMatch(/error|fail/i);
  });
});
