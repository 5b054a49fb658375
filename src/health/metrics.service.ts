import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { QueueName } from '../queue/queue.constants';

/** One registry per app instance, so several apps in one test process do not collide. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: 'vestnik_http_requests_total',
    help: 'HTTP requests answered',
    labelNames: ['method', 'route', 'status'],
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'vestnik_http_request_duration_seconds',
    help: 'HTTP request duration',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly messagesSent = new Counter({
    name: 'vestnik_messages_sent_total',
    help: 'Messages accepted by the SMTP server',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  readonly messagesFailed = new Counter({
    name: 'vestnik_messages_failed_total',
    help: 'Messages that failed permanently',
    labelNames: ['kind'],
    registers: [this.registry],
  });

  constructor(
    @InjectQueue(QueueName.Send) private readonly send: Queue,
    @InjectQueue(QueueName.Mail) private readonly mail: Queue,
    @InjectQueue(QueueName.Fanout) private readonly fanout: Queue,
    @InjectQueue(QueueName.Webhooks) private readonly webhooks: Queue,
  ) {
    collectDefaultMetrics({ register: this.registry, prefix: 'vestnik_' });
    const queues = [this.send, this.mail, this.fanout, this.webhooks];
    new Gauge({
      name: 'vestnik_queue_jobs',
      help: 'Jobs waiting, delayed or active per queue',
      labelNames: ['queue', 'state'],
      registers: [this.registry],
      async collect() {
        await Promise.all(
          queues.map(async (queue) => {
            const counts = await withTimeout(queue.getJobCounts('waiting', 'delayed', 'active'), 1000).catch(
              () => null,
            );
            for (const [state, count] of Object.entries(counts ?? {})) {
              this.set({ queue: queue.name, state }, count);
            }
          }),
        );
      },
    });
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref()),
  ]);
}
