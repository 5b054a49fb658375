import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Subscriber } from '../subscribers/subscriber.entity';
import { PublicPagesFilter } from './public-pages.filter';
import { PublicPagesService } from './public-pages.service';
import { PublicController } from './public.controller';

/** Confirm and unsubscribe pages reached from links in messages. */
@Module({
  imports: [TypeOrmModule.forFeature([Subscriber])],
  controllers: [PublicController],
  providers: [PublicPagesService, PublicPagesFilter],
})
export class PublicModule {}
