import { Body, Get, Param, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ConsoleAuthService, SignInForm } from './console-auth.service';
import { ConsoleAccessLevel, ConsoleContext, Ctx } from './console.context';
import { ConsoleController } from './console-decorators';
import { ConsoleResult } from './console-views.service';
import { ConsoleAssets } from './console-assets';

/** Sign-in, sign-out, the language switch and the console's static files. */
@ConsoleController('console')
export class ConsoleAuthController {
  constructor(
    private readonly auth: ConsoleAuthService,
    private readonly assets: ConsoleAssets,
  ) {}

  @Get()
  @ConsoleAccessLevel('public')
  home(@Ctx() ctx: ConsoleContext): Promise<ConsoleResult> {
    return this.auth.home(ctx);
  }

  @Post('sign-in')
  @ConsoleAccessLevel('public')
  signIn(@Ctx() ctx: ConsoleContext, @Body() form: SignInForm, @Res({ passthrough: true }) reply: FastifyReply): Promise<ConsoleResult> {
    return this.auth.signIn(ctx, form, reply);
  }

  @Post('sign-out')
  @ConsoleAccessLevel('public')
  signOut(@Ctx() ctx: ConsoleContext, @Res({ passthrough: true }) reply: FastifyReply): Promise<ConsoleResult> {
    return this.auth.signOut(ctx, reply);
  }

  @Post('language')
  @ConsoleAccessLevel('public')
  language(@Ctx() ctx: ConsoleContext, @Body() form: { lang?: string; back?: string }, @Res({ passthrough: true }) reply: FastifyReply): ConsoleResult {
    return this.auth.language(ctx, form, reply);
  }

  @Get('assets/:file')
  @ConsoleAccessLevel('public')
  asset(@Param('file') file: string, @Res({ passthrough: true }) reply: FastifyReply): string {
    return this.assets.serve(file, reply);
  }
}
