import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKey } from './api-key.entity';
import { ApiKeysService } from './api-keys.service';
import { PoliciesService } from './policies.service';
import { Policy } from './policy.entity';
import { Site } from './site.entity';
import { SitesService } from './sites.service';

/**
 * Global so that every feature module can look up sites, keys and policies. Loaded in every
 * role; the controllers and the AuthGuard live in SitesHttpModule.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([Site, ApiKey, Policy])],
  providers: [SitesService, ApiKeysService, PoliciesService],
  exports: [SitesService, ApiKeysService, PoliciesService],
})
export class SitesModule {}
