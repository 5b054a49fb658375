import { Body, Get, Param, Post, Query } from '@nestjs/common';
import { uuidPipe } from '../common/uuid.pipe';
import { ConsoleBulletinsService } from './console-bulletins.service';
import { ConsoleContext, Ctx } from './console.context';
import { ConsoleController } from './console-decorators';
import { Form } from './console-forms';
import { ConsoleResult } from './console-views.service';

const bulletinId = uuidPipe('bulletin_not_found');

@ConsoleController('console/sites/:site/bulletins')
export class ConsoleBulletinsController {
  constructor(private readonly pages: ConsoleBulletinsService) {}

  @Get()
  list(@Ctx() ctx: ConsoleContext, @Query() query: Form): Promise<ConsoleResult> {
    return this.pages.list(ctx, query);
  }

  @Get('new')
  newPage(): ConsoleResult {
    return this.pages.newPage();
  }

  @Post()
  create(@Ctx() ctx: ConsoleContext, @Body() form: Form): Promise<ConsoleResult> {
    return this.pages.create(ctx, form);
  }

  @Get(':id')
  page(@Ctx() ctx: ConsoleContext, @Param('id', bulletinId) id: string, @Query() query: Form): Promise<ConsoleResult> {
    return this.pages.page(ctx, id, query);
  }

  @Post(':id')
  save(@Ctx() ctx: ConsoleContext, @Param('id', bulletinId) id: string, @Body() form: Form): Promise<ConsoleResult> {
    return this.pages.save(ctx, id, form);
  }

  @Post(':id/preview')
  preview(@Ctx() ctx: ConsoleContext, @Param('id', bulletinId) id: string, @Body() form: Form): Promise<ConsoleResult> {
    return this.pages.livePreview(ctx, id, form);
  }

  @Get(':id/progress')
  progress(@Ctx() ctx: ConsoleContext, @Param('id', bulletinId) id: string): Promise<ConsoleResult> {
    return this.pages.progress(ctx, id);
  }

  @Post(':id/test')
  test(@Ctx() ctx: ConsoleContext, @Param('id', bulletinId) id: string, @Body() form: Form): Promise<ConsoleResult> {
    return this.pages.test(ctx, id, form);
  }

  @Post(':id/send')
  send(@Ctx() ctx: ConsoleContext, @Param('id', bulletinId) id: string, @Body() form: Form): Promise<ConsoleResult> {
    return this.pages.send(ctx, id, form);
  }

  @Post(':id/pause')
  pause(@Ctx() ctx: ConsoleContext, @Param('id', bulletinId) id: string): Promise<ConsoleResult> {
    return this.pages.control(ctx, id, 'pause');
  }

  @Post(':id/resume')
  resume(@Ctx() ctx: ConsoleContext, @Param('id', bulletinId) id: string): Promise<ConsoleResult> {
    return this.pages.control(ctx, id, 'resume');
  }

  @Post(':id/cancel')
  cancel(@Ctx() ctx: ConsoleContext, @Param('id', bulletinId) id: string): Promise<ConsoleResult> {
    return this.pages.control(ctx, id, 'cancel');
  }

  @Post(':id/retry-failed')
  retry(@Ctx() ctx: ConsoleContext, @Param('id', bulletinId) id: string): Promise<ConsoleResult> {
    return this.pages.control(ctx, id, 'retry');
  }

  @Post(':id/delete')
  remove(@Ctx() ctx: ConsoleContext, @Param('id', bulletinId) id: string): Promise<ConsoleResult> {
    return this.pages.remove(ctx, id);
  }
}
