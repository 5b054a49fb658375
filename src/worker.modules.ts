import { Type } from '@nestjs/common';
import { DeliveryWorkerModule } from './delivery/delivery-worker.module';
import { MailWorkerModule } from './mail/mail-worker.module';
import { WebhooksWorkerModule } from './webhooks/webhooks-worker.module';

/** BullMQ processors. Loaded (lazily, by AppModule) only where VESTNIK_ROLE is `worker` or `all`. */
export const WORKER_MODULES: Type[] = [WebhooksWorkerModule, MailWorkerModule, DeliveryWorkerModule];
