import { Body, Get, Param, Post, Query } from '@nestjs/common';
import { uuidPipe } from '../common/uuid.pipe';
import { ConsoleAdminService } from './console-admin.service';
import { ConsoleAccessLevel, ConsoleContext, Ctx } from './console.context';
import { Form } from './console-forms';
import { ConsoleController } from './console-decorators';
import { ConsoleResult } from './console-views.service';

const notice = (saved?: string) => (saved ? { notice: 'saved' } : {});

@ConsoleController('console/admin/sites')
@ConsoleAccessLevel('admin')
export class ConsoleAdminController {
  constructor(private readonly admin: ConsoleAdminService) {}

  @Get()
  list(@Ctx() ctx: ConsoleContext): Promise<ConsoleResult> {
    return this.admin.sitesPage(ctx);
  }

  @Post()
  create(@Ctx() ctx: ConsoleContext, @Body() form: Form): Promise<ConsoleResult> {
    return this.admin.createSite(ctx, form);
  }

  @Get(':site')
  site(@Ctx() ctx: ConsoleContext, @Param('site') slug: string, @Query('saved') saved?: string): Promise<ConsoleResult> {
    return this.admin.sitePage(ctx, slug, notice(saved));
  }

  @Post(':site')
  update(@Ctx() ctx: ConsoleContext, @Param('site') slug: string, @Body() form: Form): Promise<ConsoleResult> {
    return this.admin.updateSite(ctx, slug, form);
  }

  @Post(':site/keys')
  createKey(@Ctx() ctx: ConsoleContext, @Param('site') slug: string, @Body() form: Form): Promise<ConsoleResult> {
    return this.admin.createKey(ctx, slug, form);
  }

  @Post(':site/keys/:id/revoke')
  revokeKey(@Param('site') slug: string, @Param('id', uuidPipe('key_not_found')) id: string): Promise<ConsoleResult> {
    return this.admin.revokeKey(slug, id);
  }

  @Post(':site/policies')
  createPolicy(@Ctx() ctx: ConsoleContext, @Param('site') slug: string, @Body() form: Form): Promise<ConsoleResult> {
    return this.admin.createPolicy(ctx, slug, form);
  }
}
