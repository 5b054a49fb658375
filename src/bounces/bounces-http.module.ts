import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BounceIntakeService } from './bounce-intake.service';
import { BounceSettings } from './bounce-settings.entity';
import { BounceSettingsService } from './bounce-settings.service';
import { BouncesController, ProviderBouncesController } from './bounces.controller';
import { SnsCertificates } from './sns-certificates';

/**
 * Bounce and complaint intake over HTTP (reports, DSNs, provider webhooks) and the bounce
 * settings. Loaded only where VESTNIK_ROLE is `api` or `all`; BouncesService is in BouncesModule.
 */
@Module({
  imports: [TypeOrmModule.forFeature([BounceSettings])],
  controllers: [BouncesController, ProviderBouncesController],
  providers: [BounceIntakeService, BounceSettingsService, SnsCertificates],
})
export class BouncesHttpModule {}
