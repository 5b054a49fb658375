import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject } from '@nestjs/common';
import { Job } from 'bullmq';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { JobName, JobPayloads, QueueName } from '../queue/queue.constants';
import { WebhookDeliveryService } from './webhook-delivery.service';

@Processor(QueueName.Webhooks, { concurrency: 10 })
export class WebhookProcessor extends WorkerHost {
  constructor(
    private readonly delivery: WebhookDeliveryService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  async process(job: Job): Promise<void> {
    if (job.name === JobName.DeliverWebhook) {
      await this.delivery.deliver((job.data as JobPayloads[JobName.DeliverWebhook]).webhookDeliveryId);
    } else if (job.name === JobName.RecoverWebhooks) {
      await this.delivery.recover(this.config.recoveryIntervalSeconds);
    }
  }
}
