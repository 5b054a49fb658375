import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthGuard } from '../common/auth/auth.guard';
import { ApiKey } from './api-key.entity';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysService } from './api-keys.service';
import { PoliciesController } from './policies.controller';
import { PoliciesService } from './policies.service';
import { Policy } from './policy.entity';
import { Site } from './site.entity';
import { SitesController } from './sites.controller';
import { SitesService } from './sites.service';

/** Global so that every feature module can use the AuthGuard and look up sites and policies. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([Site, ApiKey, Policy])],
  controllers: [SitesController, ApiKeysController, PoliciesController],
  providers: [SitesService, ApiKeysService, PoliciesService, AuthGuard],
  exports: [SitesService, ApiKeysService, PoliciesService, AuthGuard],
})
export class SitesModule {}
