import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Job, Worker } from 'bullmq';
import { AppConfig } from '../../config/config';
import { APP_CONFIG } from '../../config/config.module';
import { JobName, JobPayloads, QueueName } from '../../queue/queue.constants';
import { ChunkResult, SendService } from '../send.service';

/**
 * Send jobs (chunks of delivery ids). Started by hand after bootstrap because its limits come
 * from the configuration: SEND_CONCURRENCY jobs at once per process, and SEND_RATE_PER_SECOND
 * through BullMQ's limiter, which is global per queue (all workers together). The limiter counts
 * jobs, so it is set to one job per chunk-worth of messages.
 */
@Processor(QueueName.Send, { autorun: false })
export class SendProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(SendProcessor.name);

  constructor(
    private readonly send: SendService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    const worker = this.worker;
    // Without a listener an 'error' event (e.g. a lost lock after Redis was flushed) would throw.
    worker.on('error', (error) => this.logger.warn({ err: error }, 'Send worker error'));
    worker.concurrency = this.config.sendConcurrency;
    if (this.config.sendRatePerSecond > 0) {
      const chunk = Math.max(1, Math.min(100, this.config.sendRatePerSecond));
      (worker.opts as { limiter?: { max: number; duration: number } }).limiter = {
        max: 1,
        duration: Math.max(1, Math.round((chunk * 1000) / this.config.sendRatePerSecond)),
      };
    }
    worker.run().catch((error: unknown) => this.logger.error({ err: error }, 'Send worker stopped'));
  }

  async process(job: Job<JobPayloads[JobName.SendChunk]>): Promise<ChunkResult> {
    const result = await this.send.processChunk(job.data.bulletinId, job.data.deliveryIds);
    if (result.throttleMs) {
      // The server asked us to slow down: hold the whole queue back and run this job again later
      // (the claim then picks up exactly the deliveries that went back to queued).
      await this.worker.rateLimit(result.throttleMs);
      throw Worker.RateLimitError();
    }
    return result;
  }
}
