import 'reflect-metadata';
import { ConfigError, loadConfig } from './config/config';
import { applyV8Flags, applyV8FlagsAfterStartup } from './v8-flags';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  applyV8Flags(config.role);
  // Loaded only now, so that the flags above are set before Nest and the app's modules load.
  const { bootstrap } = await import('./bootstrap');
  const app = await bootstrap(config);
  applyV8FlagsAfterStartup(config.role);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    // HTTP stops accepting, workers finish their current jobs, connections close.
    const hardStop = setTimeout(() => {
      process.stderr.write(`${signal}: shutdown took over 30 s, exiting\n`);
      process.exit(1);
    }, 30_000);
    hardStop.unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`Vestnik failed to start: ${(error as Error).message ?? String(error)}\n`);
  process.exit(1);
});
