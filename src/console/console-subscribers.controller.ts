import { Body, Get, Param, Post, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { uuidPipe } from '../common/uuid.pipe';
import { ConsoleContext, ConsoleUpload, Ctx } from './console.context';
import { ConsoleController } from './console-decorators';
import { Form } from './console-forms';
import { ConsoleSubscribersService } from './console-subscribers.service';
import { ConsoleResult } from './console-views.service';

const subscriberId = uuidPipe('subscriber_not_found');

@ConsoleController('console/sites/:site/subscribers')
export class ConsoleSubscribersController {
  constructor(private readonly pages: ConsoleSubscribersService) {}

  @Get()
  list(@Ctx() ctx: ConsoleContext, @Query() query: Form): Promise<ConsoleResult> {
    return this.pages.list(ctx, query);
  }

  @Get('import')
  importPage(): ConsoleResult {
    return this.pages.importPage();
  }

  @Post('import')
  @ConsoleUpload()
  import(@Ctx() ctx: ConsoleContext, @Req() req: FastifyRequest, @Query() query: Form): Promise<ConsoleResult> {
    return this.pages.import(ctx, req, query);
  }

  @Get(':id')
  detail(@Ctx() ctx: ConsoleContext, @Param('id', subscriberId) id: string, @Query('done') done?: string): Promise<ConsoleResult> {
    return this.pages.detail(ctx, id, done === 'unsubscribed' ? 'unsubscribed_done' : undefined);
  }

  @Post(':id/unsubscribe')
  unsubscribe(@Ctx() ctx: ConsoleContext, @Param('id', subscriberId) id: string): Promise<ConsoleResult> {
    return this.pages.unsubscribe(ctx, id);
  }

  @Get(':id/export')
  export(@Ctx() ctx: ConsoleContext, @Param('id', subscriberId) id: string): Promise<ConsoleResult> {
    return this.pages.export(ctx, id);
  }

  @Get(':id/erase')
  eraseConfirm(@Ctx() ctx: ConsoleContext, @Param('id', subscriberId) id: string): Promise<ConsoleResult> {
    return this.pages.eraseConfirm(ctx, id);
  }

  @Post(':id/erase')
  erase(@Ctx() ctx: ConsoleContext, @Param('id', subscriberId) id: string, @Body() form: Form): Promise<ConsoleResult> {
    return this.pages.erase(ctx, id, form);
  }
}
