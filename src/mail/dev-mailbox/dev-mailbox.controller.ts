import { Controller, Get, Header, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { DevMailboxService } from './dev-mailbox.service';

/**
 * /dev/mailbox: the messages Vestnik would have sent, for development only (404 in production or
 * with SMTP_URL). Message HTML is served in a CSP sandbox so a message's markup cannot run script.
 */
@ApiExcludeController()
@Controller('dev/mailbox')
export class DevMailboxController {
  constructor(private readonly mailbox: DevMailboxService) {}

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  list(@Query('before') before?: string): Promise<string> {
    return this.mailbox.listPage(before);
  }

  @Get('messages.json')
  @Header('cache-control', 'no-store')
  async json(@Query('before') before?: string) {
    return { items: await this.mailbox.list(before) };
  }

  @Post('clear')
  @HttpCode(303)
  async clear(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    await this.mailbox.clear();
    void reply.header('location', '/dev/mailbox');
    return '';
  }

  @Get(':id')
  @Header('content-type', 'text/html; charset=utf-8')
  message(@Param('id') id: string): Promise<string> {
    return this.mailbox.messagePage(id);
  }

  @Get(':id/html')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header(
    'content-security-policy',
    "sandbox; default-src 'none'; img-src * data:; style-src 'unsafe-inline' *; font-src *",
  )
  async html(@Param('id') id: string): Promise<string> {
    return (await this.mailbox.get(id)).html ?? '<p>(no HTML part)</p>';
  }

  @Get(':id/text')
  @Header('content-type', 'text/plain; charset=utf-8')
  async text(@Param('id') id: string): Promise<string> {
    return (await this.mailbox.get(id)).text ?? '';
  }

  @Get(':id/raw')
  @Header('content-type', 'text/plain; charset=utf-8')
  async raw(@Param('id') id: string): Promise<string> {
    return (await this.mailbox.get(id)).raw;
  }
}
