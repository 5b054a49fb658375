import { Get } from '@nestjs/common';
import { ConsoleContext, Ctx } from './console.context';
import { ConsoleController } from './console-decorators';
import { ConsoleDashboardService } from './console-dashboard.service';
import { ConsoleResult } from './console-views.service';

@ConsoleController('console/sites/:site')
export class ConsoleDashboardController {
  constructor(private readonly dashboard: ConsoleDashboardService) {}

  @Get()
  page(@Ctx() ctx: ConsoleContext): Promise<ConsoleResult> {
    return this.dashboard.page(ctx);
  }
}
