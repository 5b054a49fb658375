import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AfterCommit } from './after-commit';
import { Webhook } from './webhook.entity';
import { WebhookDelivery } from './webhook-delivery.entity';
import { WebhookEvent } from './webhook-event.entity';
import { WebhookEventsService } from './webhook-events.service';

/**
 * Global so that any feature can `emit()` events without importing this module. Loaded in every
 * role; the CRUD API is WebhooksHttpModule, the calls are made by WebhooksWorkerModule.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([Webhook, WebhookEvent, WebhookDelivery])],
  providers: [WebhookEventsService, AfterCommit],
  exports: [WebhookEventsService, AfterCommit],
})
export class WebhooksModule {}
