import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import Redis from 'ioredis';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { redisOptions } from '../queue/redis-options';

/** Pings Redis on its own connection that fails fast instead of queueing commands while down. */
@Injectable()
export class RedisHealthIndicator implements OnModuleDestroy {
  private readonly redis: Redis;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly indicator: HealthIndicatorService,
  ) {
    this.redis = new Redis(
      redisOptions(config.redisUrl, {
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        connectTimeout: 1000,
        retryStrategy: (times) => Math.min(times * 200, 2000),
      }),
    );
    this.redis.on('error', () => undefined); // reported through the health check, not the log
    this.redis.connect().catch(() => undefined);
  }

  async check(key = 'redis'): Promise<HealthIndicatorResult> {
    const session = this.indicator.check(key);
    try {
      const answer = await Promise.race([
        this.redis.ping(),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 1000).unref()),
      ]);
      return answer === 'PONG' ? session.up() : session.down({ message: 'unexpected answer' });
    } catch (error) {
      return session.down({ message: (error as Error).message });
    }
  }

  onModuleDestroy(): void {
    this.redis.disconnect();
  }
}
