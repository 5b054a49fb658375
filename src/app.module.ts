import { DynamicModule, Module, Type } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import pino from 'pino';
import { ROOT_LOGGER } from './common/request-log';
import { AppConfig } from './config/config';
import { ConfigModule } from './config/config.module';
import { dataSourceOptions } from './database/data-source-options';
import { HealthModule } from './health/health.module';
import { QueueModule } from './queue/queue.module';
import { SitesModule } from './sites/sites.module';
import { TokensModule } from './tokens/tokens.module';
import { MailModule } from './mail/mail.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { BouncesModule } from './bounces/bounces.module';
import { DeliveryModule } from './delivery/delivery.module';

/** Services both roles use (the processors' dependencies, and the API's producers). Loaded in every role. */
const CORE_MODULES: Type[] = [SitesModule, HealthModule, TokensModule, WebhooksModule, BouncesModule, MailModule, DeliveryModule];

@Module({})
export class AppModule {
  /**
   * The role's modules are imported lazily, so that a worker never loads the controllers, OpenAPI,
   * Fastify plugins, the console or the public pages (README "Memory"),
   * and an api process never loads the processors.
   */
  static async forRoot(config: AppConfig): Promise<DynamicModule> {
    const http = config.role === 'worker' ? [] : (await import('./http.modules')).httpModules(config);
    const workers = config.role === 'api' ? [] : (await import('./worker.modules')).WORKER_MODULES;
    const logger = pino({ level: config.logLevel });
    return {
      module: AppModule,
      providers: [{ provide: ROOT_LOGGER, useValue: logger }],
      exports: [ROOT_LOGGER],
      imports: [
        ConfigModule.forRoot(config),
        // Application logs; the line per HTTP request is written by src/common/request-log.ts.
        LoggerModule.forRoot({ pinoHttp: { logger }, forRoutes: [] }),
        TypeOrmModule.forRoot(dataSourceOptions(config.databaseUrl)),
        QueueModule,
        ...CORE_MODULES,
        ...http,
        ...workers,
      ],
    };
  }
}
