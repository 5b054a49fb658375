import { DynamicModule, Type } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { BouncesHttpModule } from './bounces/bounces-http.module';
import { BulletinsModule } from './bulletins/bulletins.module';
import { AppConfig } from './config/config';
import { ConsoleModule } from './console/console.module';
import { HealthHttpModule } from './health/health-http.module';
import { MailHttpModule } from './mail/mail-http.module';
import { PublicModule } from './public/public.module';
import { SlidingWindowThrottlerStorage } from './public/throttler-storage';
import { SitesHttpModule } from './sites/sites-http.module';
import { SubscribersModule } from './subscribers/subscribers.module';
import { WebhooksHttpModule } from './webhooks/webhooks-http.module';

/**
 * What only an HTTP process needs: the controllers (with their OpenAPI decorators and DTOs), the
 * public pages, the console, subscriber registration/import/export, bounce intake and the rate
 * limiter. Loaded (lazily, by AppModule) only where VESTNIK_ROLE is `api` or `all`.
 */
export function httpModules(config: AppConfig): (Type | DynamicModule)[] {
  return [
    ThrottlerModule.forRoot({
      throttlers: [{ name: 'public', ttl: 60_000, limit: config.publicRateLimitPerMinute }],
      // The package's in-memory storage, in O(1) per request (src/public/throttler-storage.ts).
      storage: new SlidingWindowThrottlerStorage(),
    }),
    SitesHttpModule,
    HealthHttpModule,
    SubscribersModule,
    WebhooksHttpModule,
    BouncesHttpModule,
    MailHttpModule,
    BulletinsModule,
    PublicModule,
    ConsoleModule,
  ];
}
