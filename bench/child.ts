/**
 * Runs one benchmark function in this process and prints its JSON result:
 * `node -r ts-node/register/transpile-only bench/child.ts <module> '<json args>'`.
 * The module exports `run(args)`. Used so baselines do not share a process with the harness.
 */
import { resolve } from 'node:path';

async function main(): Promise<void> {
  const [modulePath, rawArgs] = process.argv.slice(2);
  const mod = (await import(resolve(__dirname, modulePath))) as { run: (args: unknown) => Promise<unknown> };
  const result = await mod.run(JSON.parse(rawArgs ?? '{}'));
  // The parent reads our CPU time and peak RSS from /proc when it sees this marker.
  process.stdout.write('\n@@done\n');
  await new Promise((r) => setTimeout(r, 150));
  process.stdout.write(`@@result ${JSON.stringify(result)}\n`);
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
