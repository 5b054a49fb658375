import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject } from '@nestjs/common';
import { DelayedError, Job } from 'bullmq';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { JobName, JobPayloads, QueueName } from '../queue/queue.constants';
import { TransactionalMailService, TransactionalResult } from './transactional-mail.service';
import { MailSendError } from './transport/mail-transport';

/** `attempt` is written back by the processor itself when it reschedules a temporary failure. */
type MailJobData = JobPayloads[JobName.SendConfirm] & { attempt?: number };

/** First retry after 5 s, doubling up to 15 min: rides out greylisting and short outages. */
export function retryDelayMs(attempt: number): number {
  return Math.min(5_000 * 2 ** (attempt - 1), 15 * 60_000);
}

/**
 * Confirm and notice messages. Retries live here (not in each producer's job options): a
 * temporary SMTP failure moves the same job back to delayed, up to SEND_ATTEMPTS tries.
 */
@Processor(QueueName.Mail, { concurrency: 4 })
export class MailProcessor extends WorkerHost {
  constructor(
    private readonly mail: TransactionalMailService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  async process(job: Job<MailJobData>, token?: string): Promise<TransactionalResult> {
    const attempt = (job.data.attempt ?? 0) + 1;
    const info = { attempt, final: attempt >= this.config.sendAttempts };
    try {
      switch (job.name) {
        case JobName.SendConfirm:
          return await this.mail.sendConfirm(job.data.subscriberId, info);
        case JobName.SendNotice:
          return await this.mail.sendNotice(job.data.subscriberId, info);
        default:
          throw new Error(`Unknown mail job ${job.name}`);
      }
    } catch (error) {
      if (!(error instanceof MailSendError) || info.final || !token) throw error;
      await job.updateData({ ...job.data, attempt });
      await job.moveToDelayed(Date.now() + retryDelayMs(attempt), token);
      throw new DelayedError();
    }
  }
}
