import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Module, OnApplicationBootstrap } from '@nestjs/common';
import { Queue } from 'bullmq';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { JobName, QueueName } from '../queue/queue.constants';
import { WebhookProcessor } from './webhook.processor';
import { WebhookDeliveryService } from './webhook-delivery.service';

/** Makes the webhook calls, and schedules the recovery pass that covers jobs Redis lost. */
@Module({
  providers: [WebhookProcessor, WebhookDeliveryService],
})
export class WebhooksWorkerModule implements OnApplicationBootstrap {
  constructor(
    @InjectQueue(QueueName.Webhooks) private readonly queue: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // One scheduler id for every worker process: BullMQ keeps a single schedule.
    await this.queue.upsertJobScheduler(
      JobName.RecoverWebhooks,
      { every: this.config.recoveryIntervalSeconds * 1000 },
      { name: JobName.RecoverWebhooks, data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } },
    );
  }
}
