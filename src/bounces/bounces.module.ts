import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Bounce } from './bounce.entity';
import { BounceSettings } from './bounce-settings.entity';
import { BouncesService } from './bounces.service';

/**
 * Global so that the send path can report SMTP 5.1.x rejections and stats can count bounces.
 * Loaded in every role; the intake over HTTP is BouncesHttpModule.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([Bounce, BounceSettings])],
  providers: [BouncesService],
  exports: [BouncesService],
})
export class BouncesModule {}
