import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentSite } from '../common/auth/auth.decorators';
import { PageQuery } from '../common/page-query.dto';
import { uuidPipe } from '../common/uuid.pipe';
import { Site } from '../sites/site.entity';
import {
  CreatedWebhookDto,
  CreateWebhookDto,
  mapWebhook,
  WebhookDeliveriesQuery,
  WebhookDeliveryListDto,
  WebhookDto,
  WebhookListDto,
} from './dto/webhook.dto';
import { WebhooksService } from './webhooks.service';

const webhookId = uuidPipe('webhook_not_found');

@ApiTags('webhooks')
@Controller('v1/sites/:site/webhooks')
@Auth('backend')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Register a URL for events',
    description:
      'Each call is a JSON POST `{id, type, createdAt, data}` with `Vestnik-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. ' +
      'Failed calls are retried with exponential backoff for a day; events of one subscriber arrive in order.',
  })
  @ApiCreatedResponse({ type: CreatedWebhookDto, description: 'The secret is shown only here' })
  @ApiBadRequestResponse({ description: 'codes `validation_failed`, `webhook_url_not_allowed`, `too_many_webhooks`' })
  async create(@CurrentSite() site: Site, @Body() dto: CreateWebhookDto): Promise<CreatedWebhookDto> {
    const webhook = await this.webhooks.create(site.id, dto);
    return { ...mapWebhook(webhook), secret: webhook.secret };
  }

  @Get()
  @ApiOkResponse({ type: WebhookListDto })
  list(@CurrentSite() site: Site, @Query() query: PageQuery): Promise<WebhookListDto> {
    return this.webhooks.list(site.id, query.limit, query.cursor);
  }

  @Get(':id')
  @ApiOkResponse({ type: WebhookDto })
  async get(@CurrentSite() site: Site, @Param('id', webhookId) id: string): Promise<WebhookDto> {
    return mapWebhook(await this.webhooks.get(site.id, id));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted; calls not yet made are dropped' })
  remove(@CurrentSite() site: Site, @Param('id', webhookId) id: string): Promise<void> {
    return this.webhooks.remove(site.id, id);
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: 'The delivery log of a webhook, newest event first' })
  @ApiOkResponse({ type: WebhookDeliveryListDto })
  deliveries(
    @CurrentSite() site: Site,
    @Param('id', webhookId) id: string,
    @Query() query: WebhookDeliveriesQuery,
  ): Promise<WebhookDeliveryListDto> {
    return this.webhooks.deliveries(site.id, id, query);
  }
}
