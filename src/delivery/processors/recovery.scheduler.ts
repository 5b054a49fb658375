import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Queue } from 'bullmq';
import { AppConfig } from '../../config/config';
import { APP_CONFIG } from '../../config/config.module';
import { JobName, QueueName } from '../../queue/queue.constants';

const SCHEDULER_ID = 'recover-bulletins';

/**
 * Keeps the recovery job running: a BullMQ job scheduler (one run per interval across all
 * workers) plus one run at worker start. The scheduler itself lives in Redis, so a FLUSH would
 * erase it: every worker checks on a timer that it still exists and puts it back if not.
 */
@Injectable()
export class RecoveryScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RecoveryScheduler.name);
  private timer: NodeJS.Timeout | null = null;

  constructor(
    @InjectQueue(QueueName.Fanout) private readonly queue: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const everyMs = this.config.recoveryIntervalSeconds * 1000;
    await this.ensureScheduler(true).catch((error: unknown) => this.logger.warn({ err: error }, 'Recovery scheduler not set'));
    await this.queue
      .add(JobName.Recover, {}, { removeOnComplete: true, removeOnFail: true })
      .catch((error: unknown) => this.logger.warn({ err: error }, 'Start-up recovery not enqueued'));
    this.timer = setInterval(() => {
      this.ensureScheduler(false).catch((error: unknown) => this.logger.warn({ err: error }, 'Recovery scheduler check failed'));
    }, everyMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async ensureScheduler(force: boolean): Promise<void> {
    if (!force && (await this.queue.getJobScheduler(SCHEDULER_ID))) return;
    await this.queue.upsertJobScheduler(
      SCHEDULER_ID,
      { every: this.config.recoveryIntervalSeconds * 1000 },
      { name: JobName.Recover, data: {}, opts: { removeOnComplete: true, removeOnFail: true } },
    );
  }
}
