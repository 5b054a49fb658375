import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { MetricsService } from './metrics.service';
import { RedisHealthIndicator } from './redis.health';

@ApiTags('operations')
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly metrics: MetricsService,
  ) {}

  @Get('health')
  @HealthCheck()
  @ApiOkResponse({ description: '`{ status: "ok", info, details }` when PostgreSQL and Redis answer' })
  @ApiServiceUnavailableResponse({ description: 'Either is down' })
  check() {
    return this.health.check([
      () => this.db.pingCheck('postgres', { timeout: 1500 }),
      () => this.redis.check('redis'),
    ]);
  }

  @Get('metrics')
  @Header('Cache-Control', 'no-store')
  @ApiOkResponse({ description: 'Prometheus text format' })
  async metricsText(@Res() reply: FastifyReply): Promise<void> {
    const body = await this.metrics.registry.metrics();
    void reply.header('content-type', this.metrics.registry.contentType).send(body);
  }
}
