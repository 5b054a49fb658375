import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import { JobsOptions, Queue } from 'bullmq';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { JobName, JobPayloads, QueueName } from '../queue/queue.constants';

/** Deliveries per send job: one job per recipient costs 3x in queue overhead (issue 6). */
export const MAX_CHUNK = 100;

/**
 * Job options in one place. Bulletin-level jobs carry a fixed id, so a second enqueue while
 * one is waiting or running is a no-op (recovery may ask again at any time); they are removed
 * when finished, so a later enqueue is not swallowed by an old record.
 */
const BULLETIN_JOB: JobsOptions = { removeOnComplete: true, removeOnFail: true, attempts: 5, backoff: { type: 'exponential', delay: 1000 } };
/** Send jobs are cheap to repeat (the claim makes a repeat a no-op), so failures simply retry. */
const SEND_JOB: JobsOptions = { removeOnComplete: true, removeOnFail: 1000, attempts: 5, backoff: { type: 'exponential', delay: 1000 } };

/** Producer side of bulletin sending: every enqueue goes through here. */
@Injectable()
export class DeliveryQueueService {
  readonly chunkSize: number;

  constructor(
    @InjectQueue(QueueName.Fanout) private readonly fanout: Queue,
    @InjectQueue(QueueName.Send) private readonly send: Queue,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    // Under a rate limit smaller chunks keep the limiter (which counts jobs) close to the message rate.
    this.chunkSize = config.sendRatePerSecond > 0 ? Math.max(1, Math.min(MAX_CHUNK, config.sendRatePerSecond)) : MAX_CHUNK;
  }

  /** Starts (or restarts) a bulletin's fan-out, now or after `delayMs` (scheduled sends). */
  async enqueueFanout(bulletinId: string, delayMs = 0): Promise<void> {
    const data: JobPayloads[JobName.FanoutBulletin] = { bulletinId };
    await this.fanout.add(JobName.FanoutBulletin, data, {
      ...BULLETIN_JOB,
      jobId: `fanout-${bulletinId}`,
      delay: delayMs > 0 ? delayMs : undefined,
    });
  }

  /** Re-enqueues every queued delivery of a bulletin (after resume or retry-failed). */
  async enqueueRequeue(bulletinId: string): Promise<void> {
    const data: JobPayloads[JobName.RequeueBulletin] = { bulletinId };
    // No fixed id: a resume right after another must not be swallowed by a walk already past its rows.
    await this.fanout.add(JobName.RequeueBulletin, data, BULLETIN_JOB);
  }

  /** Send jobs for these deliveries, `chunkSize` per job, in one round trip. */
  async enqueueChunks(bulletinId: string, deliveryIds: string[], delayMs = 0): Promise<void> {
    if (deliveryIds.length === 0) return;
    const jobs = [];
    for (let i = 0; i < deliveryIds.length; i += this.chunkSize) {
      const data: JobPayloads[JobName.SendChunk] = { bulletinId, deliveryIds: deliveryIds.slice(i, i + this.chunkSize) };
      jobs.push({ name: JobName.SendChunk, data, opts: { ...SEND_JOB, delay: delayMs > 0 ? delayMs : undefined } });
    }
    await this.send.addBulk(jobs);
  }

  /** Jobs that may still carry deliveries to claim. Zero means anything queued in PostgreSQL is orphaned. */
  async pendingSendJobs(): Promise<number> {
    const counts = await this.send.getJobCounts('waiting', 'delayed', 'prioritized', 'paused', 'waiting-children');
    return Object.values(counts).reduce((a, b) => a + b, 0);
  }
}
