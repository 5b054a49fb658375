import { Body, Get, Param, Post, Query } from '@nestjs/common';
import { ConsoleContext, Ctx } from './console.context';
import { ConsoleController } from './console-decorators';
import { Form } from './console-forms';
import { ConsoleTemplatesService } from './console-templates.service';
import { ConsoleResult } from './console-views.service';

@ConsoleController('console/sites/:site/templates')
export class ConsoleTemplatesController {
  constructor(private readonly pages: ConsoleTemplatesService) {}

  @Get()
  page(@Ctx() ctx: ConsoleContext, @Query() query: Form): Promise<ConsoleResult> {
    return this.pages.page(ctx, query, query.saved ? { notice: 'saved' } : {});
  }

  @Post(':name/:locale')
  save(@Ctx() ctx: ConsoleContext, @Param('name') name: string, @Param('locale') locale: string, @Body() form: Form): Promise<ConsoleResult> {
    return this.pages.save(ctx, name, locale, form);
  }

  @Post(':name/:locale/reset')
  reset(@Ctx() ctx: ConsoleContext, @Param('name') name: string, @Param('locale') locale: string): Promise<ConsoleResult> {
    return this.pages.reset(ctx, name, locale);
  }
}
