import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ErasureService } from './erasure.service';
import { ExportService } from './export.service';
import { ImportService } from './import.service';
import { RegistrationService } from './registration.service';
import { SubscriberEvent } from './subscriber-event.entity';
import { Subscriber } from './subscriber.entity';
import { SubscribersController } from './subscribers.controller';
import { SubscribersService } from './subscribers.service';
import { SubscriptionStateService } from './subscription-state.service';
import { Suppression } from './suppression.entity';
import { SuppressionHasher } from './suppression-hasher';

/** Global: the public pages and bounce handling change subscription state through this module. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([Subscriber, SubscriberEvent, Suppression])],
  controllers: [SubscribersController],
  providers: [
    SubscriptionStateService,
    SubscribersService,
    RegistrationService,
    ExportService,
    ErasureService,
    ImportService,
    SuppressionHasher,
  ],
  // The web console (src/console) calls the export, erasure and import use cases too.
  exports: [SubscriptionStateService, SubscribersService, SuppressionHasher, ExportService, ErasureService, ImportService],
})
export class SubscribersModule {}
