import { Global, Module } from '@nestjs/common';
import { AuthGuard } from '../common/auth/auth.guard';
import { ApiKeysController } from './api-keys.controller';
import { PoliciesController } from './policies.controller';
import { SitesController } from './sites.controller';

/**
 * Sites, keys and policies over HTTP, and the AuthGuard every API controller uses (global).
 * Loaded only where VESTNIK_ROLE is `api` or `all`; the services live in SitesModule.
 */
@Global()
@Module({
  controllers: [SitesController, ApiKeysController, PoliciesController],
  providers: [AuthGuard],
  exports: [AuthGuard],
})
export class SitesHttpModule {}
