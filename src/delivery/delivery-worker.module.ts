import { Module } from '@nestjs/common';
import { DeliveryModule } from './delivery.module';
import { BulletinJobsProcessor } from './processors/bulletin-jobs.processor';
import { RecoveryScheduler } from './processors/recovery.scheduler';
import { SendProcessor } from './processors/send.processor';

/** BullMQ processors of bulletin sending. Loaded only where VESTNIK_ROLE is `worker` or `all`. */
@Module({
  imports: [DeliveryModule],
  providers: [BulletinJobsProcessor, SendProcessor, RecoveryScheduler],
})
export class DeliveryWorkerModule {}
