import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { MetricsService } from './metrics.service';
import { RedisHealthIndicator } from './redis.health';

@Global()
@Module({
  imports: [TerminusModule.forRoot({ logger: false, errorLogStyle: 'json' })],
  controllers: [HealthController],
  providers: [RedisHealthIndicator, MetricsService],
  exports: [MetricsService],
})
export class HealthModule {}
