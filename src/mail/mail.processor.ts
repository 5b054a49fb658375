import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger } from '@nestjs/common';
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
 * temporary SMTP failure (or any other error) moves the same job back to delayed, up to SEND_ATTEMPTS tries.
 */
@Processor(QueueName.Mail, { concurrency: 4 })
export class MailProcessor extends WorkerHost {
  private readonly logger = new Logger(MailProcessor.name);

  constructor(
    private readonly mail: TransactionalMailService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  async process(job: Job<MailJobData>, token?: string): Promise<TransactionalResult> {
    if (job.name !== JobName.SendConfirm && job.name !== JobName.SendNotice) {
      throw new Error(`Unknown mail job ${job.name}`);
    }
    const attempt = (job.data.attempt ?? 0) + 1;
    const info = { attempt, final: attempt >= this.config.sendAttempts };
    try {
      return job.name === JobName.SendConfirm
        ? await this.mail.sendConfirm(job.data.subscriberId, info)
        : await this.mail.sendNotice(job.data.subscriberId, info);
    } catch (error) {
      // Temporary SMTP trouble, or PostgreSQL briefly away: try again later rather than lose the message.
      if (info.final || !token) throw error;
      if (!(error instanceof MailSendError)) {
        this.logger.warn({ err: error, jobId: job.id, attempt }, 'Mail job failed; retrying');
      }
      await job.updateData({ ...job.data, attempt });
      await job.moveToDelayed(Date.now() + retryDelayMs(attempt), token);
      throw new DelayedError();
    }
  }
}
