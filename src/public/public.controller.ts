import {
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Req,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isOneClick } from './one-click';
import { ClickMeta, PageAnswer, PublicPagesService } from './public-pages.service';
import { PublicPagesFilter } from './public-pages.filter';

/** Every public answer: not cached, not indexed, no Referer leaking the token to linked sites. */
export function sendPage(reply: FastifyReply, answer: PageAnswer): void {
  void reply
    .status(answer.status)
    .header(
      'content-type',
      answer.type === 'html' ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8',
    )
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .header('x-robots-tag', 'noindex, nofollow')
    .send(answer.body);
}

function metaOf(request: FastifyRequest): ClickMeta {
  const header = (name: string) => {
    const value = request.headers[name];
    return typeof value === 'string' ? value.slice(0, 512) : null;
  };
  return {
    ip: request.ip ?? null,
    userAgent: header('user-agent'),
    acceptLanguage: header('accept-language'),
  };
}

const token = ApiParam({ name: 'token', description: 'Signed token from the link in a message' });
const invalid = ApiBadRequestResponse({
  description:
    'HTML page: the link is malformed, tampered, expired or for an erased subscriber; nothing changed',
});
const limited = ApiTooManyRequestsResponse({
  description: 'Rate limit per client address (PUBLIC_RATE_LIMIT_PER_MINUTE)',
});

/** The pages subscribers reach from links in messages (no key, no cookie, no CSRF token). */
@ApiTags('public pages')
@Controller()
@UseGuards(ThrottlerGuard)
@UseFilters(PublicPagesFilter)
export class PublicController {
  constructor(private readonly pages: PublicPagesService) {}

  @Get('confirm/:token')
  @ApiOperation({ summary: 'Page with a button to confirm the subscription; changes nothing' })
  @token
  @invalid
  @limited
  @ApiOkResponse({ description: 'HTML page in the subscriber’s language' })
  async showConfirm(
    @Param('token') value: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    sendPage(reply, await this.pages.show('confirm', value, metaOf(request)));
  }

  @Post('confirm/:token')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Confirms the subscription (pending → active); repeating it is harmless',
  })
  @ApiConsumes('application/x-www-form-urlencoded', 'multipart/form-data')
  @token
  @invalid
  @limited
  @ApiOkResponse({ description: 'HTML page "subscription confirmed"' })
  async confirm(
    @Param('token') value: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    sendPage(reply, await this.pages.confirm(value, metaOf(request)));
  }

  @Get('unsubscribe/:token')
  @ApiOperation({ summary: 'Page with a button to unsubscribe; changes nothing' })
  @token
  @invalid
  @limited
  @ApiOkResponse({ description: 'HTML page in the subscriber’s language' })
  async showUnsubscribe(
    @Param('token') value: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    sendPage(reply, await this.pages.show('unsubscribe', value, metaOf(request)));
  }

  @Post('unsubscribe/:token')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Unsubscribes before answering; repeating it is harmless',
    description:
      'With the RFC 8058 body `List-Unsubscribe=One-Click` (urlencoded or multipart) the answer is a short text; from the page’s form, an HTML page.',
  })
  @ApiConsumes('application/x-www-form-urlencoded', 'multipart/form-data')
  @token
  @invalid
  @limited
  @ApiOkResponse({ description: 'text/plain for one-click, else HTML' })
  async unsubscribe(
    @Param('token') value: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    sendPage(
      reply,
      await this.pages.unsubscribe(value, await isOneClick(request), metaOf(request)),
    );
  }
}
