import { Body, Controller, Get, Headers, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { Auth, CurrentSite } from '../common/auth/auth.decorators';
import { Site } from '../sites/site.entity';
import { BounceIntakeService } from './bounce-intake.service';
import { BounceSettingsService } from './bounce-settings.service';
import { BounceOutcomeDto, BounceSettingsDto, DsnOutcomeDto, mapBounceSettings, ReportBounceDto, UpdateBounceSettingsDto } from './dto/bounce.dto';

@ApiTags('bounces')
@Controller('v1/sites/:site')
export class BouncesController {
  constructor(
    private readonly intake: BounceIntakeService,
    private readonly settings: BounceSettingsService,
  ) {}

  @Post('bounces')
  @HttpCode(202)
  @Auth('backend')
  @ApiOperation({ summary: 'Report a bounce or complaint', description: 'Matched by messageId first, else by the address. A hard bounce or a complaint stops all mail to the address at once; soft bounces count towards the site’s softBounceLimit within 30 days.' })
  @ApiAcceptedResponse({ type: BounceOutcomeDto })
  @ApiBadRequestResponse({ description: 'codes `validation_failed`, `invalid_email`' })
  report(@CurrentSite() site: Site, @Body() dto: ReportBounceDto): Promise<BounceOutcomeDto> {
    return this.intake.report(site.id, dto);
  }

  @Post('bounces/dsn')
  @HttpCode(202)
  @Auth('backend')
  @ApiOperation({ summary: 'Forward a bounce message (RFC 3464 DSN, or an RFC 5965 abuse report) as message/rfc822' })
  @ApiConsumes('message/rfc822')
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiAcceptedResponse({ type: DsnOutcomeDto })
  @ApiBadRequestResponse({ description: 'code `invalid_dsn`' })
  dsn(@CurrentSite() site: Site, @Body() raw: Buffer): Promise<DsnOutcomeDto> {
    return this.intake.dsn(site.id, raw);
  }

  @Get('bounce-settings')
  @Auth('marketing')
  @ApiOperation({ summary: 'Provider settings for bounce intake (secrets are never shown)' })
  @ApiOkResponse({ type: BounceSettingsDto })
  async getSettings(@CurrentSite() site: Site): Promise<BounceSettingsDto> {
    return mapBounceSettings(await this.settings.get(site.id));
  }

  @Put('bounce-settings')
  @Auth('marketing')
  @ApiOkResponse({ type: BounceSettingsDto })
  async putSettings(@CurrentSite() site: Site, @Body() dto: UpdateBounceSettingsDto): Promise<BounceSettingsDto> {
    return mapBounceSettings(await this.settings.update(site.id, dto));
  }
}

/** Provider notifications carry no API key: each is authenticated by the provider's own scheme. */
@ApiTags('bounces')
@Controller('v1/sites/:site/bounces')
export class ProviderBouncesController {
  constructor(private readonly intake: BounceIntakeService) {}

  @Post('ses')
  @HttpCode(200)
  @ApiOperation({ summary: 'Amazon SES via SNS', description: 'The SNS signature is verified and the TopicArn must be one of the site’s sesTopicArns. Subscription confirmations are followed only to SNS hosts.' })
  @ApiConsumes('text/plain', 'application/json')
  @ApiOkResponse({ type: DsnOutcomeDto })
  @ApiUnauthorizedResponse({ description: 'code `invalid_signature`' })
  ses(@Param('site') slug: string, @Body() body: unknown): Promise<DsnOutcomeDto> {
    return this.intake.ses(slug, body);
  }

  @Post('postmark')
  @HttpCode(200)
  @ApiOperation({ summary: 'Postmark bounce and spam-complaint webhooks', description: 'Authenticated by the basic-auth user and password set in bounce-settings (put them in the webhook URL at Postmark).' })
  @ApiOkResponse({ type: DsnOutcomeDto })
  @ApiUnauthorizedResponse({ description: 'code `invalid_signature`' })
  postmark(@Param('site') slug: string, @Headers('authorization') authorization: string | undefined, @Body() body: unknown): Promise<DsnOutcomeDto> {
    return this.intake.postmark(slug, authorization, body);
  }

  @Post('mailgun')
  @HttpCode(200)
  @ApiOperation({ summary: 'Mailgun failed and complained events', description: 'HMAC-SHA256 of timestamp+token with the site’s Mailgun signing key.' })
  @ApiOkResponse({ type: DsnOutcomeDto })
  @ApiUnauthorizedResponse({ description: 'code `invalid_signature`' })
  mailgun(@Param('site') slug: string, @Body() body: unknown): Promise<DsnOutcomeDto> {
    return this.intake.mailgun(slug, body);
  }
}
