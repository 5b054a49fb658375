import { Global, Module } from '@nestjs/common';
import { MetricsService } from './metrics.service';

/** The Prometheus registry, in every role; HealthHttpModule serves it with the health check. */
@Global()
@Module({
  providers: [MetricsService],
  exports: [MetricsService],
})
export class HealthModule {}
