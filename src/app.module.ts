import { DynamicModule, Module, Type } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from './config/config';
import { ConsoleModule } from './console/console.module';
import { ConfigModule } from './config/config.module';
import { dataSourceOptions } from './database/data-source-options';
import { HealthModule } from './health/health.module';
import { QueueModule } from './queue/queue.module';
import { SitesModule } from './sites/sites.module';
import { TokensModule } from './tokens/tokens.module';
import { MailModule } from './mail/mail.module';
import { MailWorkerModule } from './mail/mail-worker.module';
import { PublicModule } from './public/public.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { BouncesModule } from './bounces/bounces.module';
import { WebhooksWorkerModule } from './webhooks/webhooks-worker.module';
import { SubscribersModule } from './subscribers/subscribers.module';
import { BulletinsModule } from './bulletins/bulletins.module';
import { DeliveryModule } from './delivery/delivery.module';
import { DeliveryWorkerModule } from './delivery/delivery-worker.module';

/** Feature modules: controllers, services and queue producers. Loaded in every role. */
const FEATURE_MODULES: Type[] = [SitesModule, HealthModule, SubscribersModule, TokensModule, WebhooksModule, BouncesModule, MailModule, DeliveryModule, BulletinsModule, PublicModule, ConsoleModule];

/** BullMQ processors. Loaded only where VESTNIK_ROLE is `worker` or `all`. */
const WORKER_MODULES: Type[] = [WebhooksWorkerModule, MailWorkerModule, DeliveryWorkerModule];

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.logLevel,
            genReqId: (req) => String(req.headers['x-request-id']),
            redact: {
              paths: ['req.headers.authorization', 'req.headers.cookie', 'req.body.key', 'res.headers["set-cookie"]'],
              censor: '[redacted]',
            },
            serializers: {
              // Public links carry tokens: log the route, not the token.
              req: (req: { id: string; method: string; url: string }) => ({
                id: req.id,
                method: req.method,
                url: req.url.replace(/\/(confirm|unsubscribe)\/[^/?]+/, '/$1/…').split('?')[0],
              }),
              res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
            },
            autoLogging: { ignore: (req) => req.url === '/health' || req.url === '/metrics' },
          },
        }),
        TypeOrmModule.forRoot(dataSourceOptions(config.databaseUrl)),
        ThrottlerModule.forRoot({
          throttlers: [{ name: 'public', ttl: 60_000, limit: config.publicRateLimitPerMinute }],
        }),
        QueueModule,
        ...FEATURE_MODULES,
        ...(config.role === 'api' ? [] : WORKER_MODULES),
      ],
    };
  }
}
