import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AfterCommit } from './after-commit';
import { Webhook } from './webhook.entity';
import { WebhookDelivery } from './webhook-delivery.entity';
import { WebhookEvent } from './webhook-event.entity';
import { WebhookEventsService } from './webhook-events.service';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

/** Global so that any feature can `emit()` events without importing this module. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([Webhook, WebhookEvent, WebhookDelivery])],
  controllers: [WebhooksController],
  providers: [WebhooksService, WebhookEventsService, AfterCommit],
  exports: [WebhookEventsService, AfterCommit],
})
export class WebhooksModule {}
