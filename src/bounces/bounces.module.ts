import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Bounce } from './bounce.entity';
import { BounceIntakeService } from './bounce-intake.service';
import { BounceSettings } from './bounce-settings.entity';
import { BounceSettingsService } from './bounce-settings.service';
import { BouncesController, ProviderBouncesController } from './bounces.controller';
import { BouncesService } from './bounces.service';
import { SnsCertificates } from './sns-certificates';

/** Global so that the send path can report SMTP 5.1.x rejections and stats can count bounces. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([Bounce, BounceSettings])],
  controllers: [BouncesController, ProviderBouncesController],
  providers: [BouncesService, BounceIntakeService, BounceSettingsService, SnsCertificates],
  exports: [BouncesService],
})
export class BouncesModule {}
