import { Module } from '@nestjs/common';
import { BulletinsModule } from '../bulletins/bulletins.module';
import { ConsoleAdminController } from './console-admin.controller';
import { ConsoleAdminService } from './console-admin.service';
import { ConsoleAssets } from './console-assets';
import { ConsoleAuthController } from './console-auth.controller';
import { ConsoleDashboardController } from './console-dashboard.controller';
import { ConsoleDashboardService } from './console-dashboard.service';
import { ConsoleSubscribersController } from './console-subscribers.controller';
import { ConsoleSubscribersService } from './console-subscribers.service';
import { ConsoleBulletinsController } from './console-bulletins.controller';
import { ConsoleBulletinsService } from './console-bulletins.service';
import { ConsoleTemplatesController } from './console-templates.controller';
import { ConsoleTemplatesService } from './console-templates.service';
import { ConsoleAuthService } from './console-auth.service';
import { ConsoleExceptionFilter } from './console-exception.filter';
import { ConsoleGuard } from './console.guard';
import { ConsoleRenderInterceptor } from './console-render.interceptor';
import { ConsoleViews } from './console-views.service';
import { ConsoleSessionsService } from './session/console-sessions.service';

/** The web console at /console: server-rendered pages over the same services as the API. */
@Module({
  imports: [BulletinsModule],
  controllers: [ConsoleAuthController, ConsoleAdminController, ConsoleDashboardController, ConsoleSubscribersController, ConsoleBulletinsController, ConsoleTemplatesController],
  providers: [
    ConsoleViews,
    ConsoleAssets,
    ConsoleSessionsService,
    ConsoleGuard,
    ConsoleExceptionFilter,
    ConsoleRenderInterceptor,
    ConsoleAuthService,
    ConsoleAdminService,
    ConsoleDashboardService,
    ConsoleSubscribersService,
    ConsoleBulletinsService,
    ConsoleTemplatesService,
  ],
})
export class ConsoleModule {}
