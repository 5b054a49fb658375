import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SubscriberEvent } from './subscriber-event.entity';
import { Subscriber } from './subscriber.entity';
import { SubscriptionStateService } from './subscription-state.service';
import { Suppression } from './suppression.entity';

/** Global: the public pages and bounce handling change subscription state through this module. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([Subscriber, SubscriberEvent, Suppression])],
  providers: [SubscriptionStateService],
  exports: [SubscriptionStateService],
})
export class SubscribersModule {}
