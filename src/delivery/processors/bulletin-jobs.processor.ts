import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Job } from 'bullmq';
import { JobName, JobPayloads, QueueName } from '../../queue/queue.constants';
import { FanoutService } from '../fanout.service';
import { RecoveryService } from '../recovery.service';

/**
 * Bulletin-level jobs: fan-out (also the start of a scheduled bulletin), re-enqueueing after
 * resume/retry-failed, and the periodic recovery pass. A few at once: they are mostly SQL.
 */
@Processor(QueueName.Fanout, { concurrency: 4 })
export class BulletinJobsProcessor extends WorkerHost {
  private readonly logger = new Logger(BulletinJobsProcessor.name);

  constructor(
    private readonly fanout: FanoutService,
    private readonly recovery: RecoveryService,
  ) {
    super();
  }

  /** Without a listener an 'error' event (e.g. a lost lock after Redis was flushed) would throw. */
  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.logger.warn({ err: error }, 'Bulletin jobs worker error');
  }

  async process(job: Job): Promise<unknown> {
    switch (job.name) {
      case JobName.FanoutBulletin:
        return this.fanout.run((job.data as JobPayloads[JobName.FanoutBulletin]).bulletinId);
      case JobName.RequeueBulletin:
        return this.fanout.requeue((job.data as JobPayloads[JobName.RequeueBulletin]).bulletinId);
      case JobName.Recover:
        return this.recovery.run();
      default:
        throw new Error(`Unknown job ${job.name} on the ${QueueName.Fanout} queue`);
    }
  }
}
