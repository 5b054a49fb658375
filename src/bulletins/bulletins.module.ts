import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DeliveryModule } from '../delivery/delivery.module';
import { Bulletin } from './bulletin.entity';
import { BulletinDeliveriesService } from './bulletin-deliveries.service';
import { BulletinPreviewService } from './bulletin-preview.service';
import { BulletinSendingService } from './bulletin-sending.service';
import { BulletinsController } from './bulletins.controller';
import { BulletinsService } from './bulletins.service';

/** Bulletins over HTTP: drafts, preview, test sends, send/pause/resume/cancel, the ledger. */
@Module({
  imports: [TypeOrmModule.forFeature([Bulletin]), DeliveryModule],
  controllers: [BulletinsController],
  providers: [BulletinsService, BulletinSendingService, BulletinDeliveriesService, BulletinPreviewService],
  // The web console (src/console) drives the same services as the HTTP API.
  exports: [BulletinsService, BulletinSendingService, BulletinDeliveriesService, BulletinPreviewService],
})
export class BulletinsModule {}
