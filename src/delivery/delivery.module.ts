import { Module } from '@nestjs/common';
import { BulletinMailer } from './bulletin-mailer';
import { DeliveryLedger } from './delivery-ledger';
import { DeliveryQueueService } from './delivery-queue.service';
import { FanoutService } from './fanout.service';
import { RecoveryService } from './recovery.service';
import { SendService } from './send.service';

/**
 * Bulletin sending: the ledger (SQL of the hot path), producers, fan-out, send and recovery
 * services. Loaded in every role (the API enqueues and renders previews); the processors that
 * run these services live in DeliveryWorkerModule.
 */
@Module({
  providers: [DeliveryLedger, DeliveryQueueService, FanoutService, RecoveryService, SendService, BulletinMailer],
  exports: [DeliveryLedger, DeliveryQueueService, FanoutService, RecoveryService, SendService, BulletinMailer],
})
export class DeliveryModule {}
