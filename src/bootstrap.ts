import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { INestApplicationContext } from '@nestjs/common';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { AppConfig } from './config/config';
import { migrate } from './database/migrate';

/**
 * Starts Vestnik in the configured role. `api` and `all` serve HTTP; `worker` runs
 * processors only. Migrations are applied first, under an advisory lock.
 */
export async function bootstrap(config: AppConfig): Promise<INestApplicationContext> {
  await migrate(config.databaseUrl);
  if (config.role === 'worker') {
    const context = await NestFactory.createApplicationContext(AppModule.forRoot(config), { bufferLogs: true });
    // Without this a worker logs through Nest's console logger: colours, no JSON, LOG_LEVEL ignored.
    context.useLogger(context.get(Logger));
    context.flushLogs();
    return context;
  }
  // Fastify, its plugins and OpenAPI: loaded only by the roles that serve HTTP.
  const { configureApp, createAdapter } = await import('./app.setup');
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), createAdapter(config), {
    bufferLogs: true,
  });
  await configureApp(app);
  await app.listen(config.port, '0.0.0.0');
  return app;
}
