import { Controller, Get, Header, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { DevMailboxService } from './dev-mailbox.service';

const HTML = 'text/html; charset=utf-8';
const TEXT = 'text/plain; charset=utf-8';
/** A message's own markup runs in a CSP sandbox: no script, no forms, no same-origin access. */
const MESSAGE_CSP =
  "sandbox; default-src 'none'; img-src * data: cid:; style-src 'unsafe-inline' *; font-src *";

/**
 * /dev/mailbox: the messages Vestnik would have sent, for development only (404 in production or
 * with SMTP_URL). Content types are set after the lookup so a 404 still gets the JSON error body.
 */
@ApiExcludeController()
@Controller('dev/mailbox')
export class DevMailboxController {
  constructor(private readonly mailbox: DevMailboxService) {}

  @Get()
  @Header('cache-control', 'no-store')
  async list(
    @Res({ passthrough: true }) reply: FastifyReply,
    @Query('before') before?: string,
  ): Promise<string> {
    const page = await this.mailbox.listPage(before);
    void reply.type(HTML);
    return page;
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
  async message(
    @Param('id') id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const page = await this.mailbox.messagePage(id);
    void reply.type(HTML);
    return page;
  }

  @Get(':id/html')
  async html(
    @Param('id') id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const mail = await this.mailbox.get(id);
    void reply.type(HTML).header('content-security-policy', MESSAGE_CSP);
    return mail.html ?? '<p>(no HTML part)</p>';
  }

  @Get(':id/text')
  async text(
    @Param('id') id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const mail = await this.mailbox.get(id);
    void reply.type(TEXT);
    return mail.text ?? '';
  }

  @Get(':id/raw')
  async raw(
    @Param('id') id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const mail = await this.mailbox.get(id);
    void reply.type(TEXT);
    return mail.raw;
  }
}
