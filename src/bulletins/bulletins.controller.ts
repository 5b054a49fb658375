import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Auth, CurrentSite } from '../common/auth/auth.decorators';
import { Page } from '../common/pagination';
import { uuidPipe } from '../common/uuid.pipe';
import { Site } from '../sites/site.entity';
import { BulletinDeliveriesService } from './bulletin-deliveries.service';
import { BulletinPreviewService } from './bulletin-preview.service';
import { BulletinSendingService } from './bulletin-sending.service';
import { BulletinsService } from './bulletins.service';
import {
  BulletinDto,
  BulletinListQuery,
  BulletinPageDto,
  CreateBulletinDto,
  PreviewBulletinDto,
  RenderedBulletinDto,
  RetryFailedResponseDto,
  SendBulletinDto,
  TestSendDto,
  TestSendResponseDto,
  UpdateBulletinDto,
} from './dto/bulletin.dto';
import { DeliveryDto, DeliveryListQuery, DeliveryPageDto } from './dto/delivery.dto';

const BulletinId = () => Param('id', uuidPipe('bulletin_not_found'));

@ApiTags('bulletins')
@Controller('v1/sites/:site/bulletins')
@Auth('marketing')
export class BulletinsController {
  constructor(
    private readonly bulletins: BulletinsService,
    private readonly sending: BulletinSendingService,
    private readonly deliveries: BulletinDeliveriesService,
    private readonly previews: BulletinPreviewService,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a draft bulletin (subject, html and text are Handlebars templates)' })
  @ApiCreatedResponse({ type: BulletinDto })
  @ApiBadRequestResponse({ description: '`validation_failed`, `template_syntax` (with the field and line)' })
  create(@CurrentSite() site: Site, @Body() dto: CreateBulletinDto): Promise<BulletinDto> {
    return this.bulletins.create(site, dto);
  }

  @Get()
  @ApiOperation({ summary: 'Bulletins of the site, newest first, with stats' })
  @ApiOkResponse({ type: BulletinPageDto })
  list(@CurrentSite() site: Site, @Query() query: BulletinListQuery): Promise<Page<BulletinDto>> {
    return this.bulletins.list(site, query);
  }

  @Get(':id')
  @ApiOkResponse({ type: BulletinDto })
  get(@CurrentSite() site: Site, @BulletinId() id: string): Promise<BulletinDto> {
    return this.bulletins.get(site, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Edit a draft' })
  @ApiOkResponse({ type: BulletinDto })
  @ApiConflictResponse({ description: '`bulletin_not_draft`' })
  update(@CurrentSite() site: Site, @BulletinId() id: string, @Body() dto: UpdateBulletinDto): Promise<BulletinDto> {
    return this.bulletins.update(site, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a draft' })
  @ApiNoContentResponse()
  @ApiConflictResponse({ description: '`bulletin_not_draft`' })
  remove(@CurrentSite() site: Site, @BulletinId() id: string): Promise<void> {
    return this.bulletins.remove(site, id);
  }

  @Post(':id/preview')
  @HttpCode(200)
  @ApiOperation({ summary: 'Render for a subscriber of the site, or for a sample subscriber' })
  @ApiOkResponse({ type: RenderedBulletinDto })
  preview(@CurrentSite() site: Site, @BulletinId() id: string, @Body() dto: PreviewBulletinDto): Promise<RenderedBulletinDto> {
    return this.previews.preview(site, id, dto);
  }

  @Post(':id/test')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send to 1..10 addresses now, outside the audience and stats (logged as kind `test`)' })
  @ApiAcceptedResponse({ type: TestSendResponseDto })
  test(@CurrentSite() site: Site, @BulletinId() id: string, @Body() dto: TestSendDto): Promise<TestSendResponseDto> {
    return this.previews.test(site, id, dto);
  }

  @Post(':id/send')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send now (status `sending`) or at `at` (status `scheduled`)' })
  @ApiAcceptedResponse({ type: BulletinDto })
  @ApiConflictResponse({ description: '`bulletin_not_draft`' })
  send(@CurrentSite() site: Site, @BulletinId() id: string, @Body() dto: SendBulletinDto): Promise<BulletinDto> {
    return this.sending.send(site, id, dto);
  }

  @Post(':id/pause')
  @HttpCode(200)
  @ApiOperation({ summary: 'Stop claiming new deliveries (messages already in flight finish)' })
  @ApiOkResponse({ type: BulletinDto })
  @ApiConflictResponse({ description: '`bulletin_not_sending`' })
  pause(@CurrentSite() site: Site, @BulletinId() id: string): Promise<BulletinDto> {
    return this.sending.pause(site, id);
  }

  @Post(':id/resume')
  @HttpCode(200)
  @ApiOperation({ summary: 'Continue a paused bulletin (also after a pause caused by an SMTP authentication failure)' })
  @ApiOkResponse({ type: BulletinDto })
  @ApiConflictResponse({ description: '`bulletin_not_paused`' })
  resume(@CurrentSite() site: Site, @BulletinId() id: string): Promise<BulletinDto> {
    return this.sending.resume(site, id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Stop for good; deliveries not yet sent become `skipped`' })
  @ApiOkResponse({ type: BulletinDto })
  @ApiConflictResponse({ description: '`bulletin_not_cancellable`' })
  cancel(@CurrentSite() site: Site, @BulletinId() id: string): Promise<BulletinDto> {
    return this.sending.cancel(site, id);
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: 'Per-recipient records; `?status=failed` lists who did not get it' })
  @ApiOkResponse({ type: DeliveryPageDto })
  listDeliveries(@CurrentSite() site: Site, @BulletinId() id: string, @Query() query: DeliveryListQuery): Promise<Page<DeliveryDto>> {
    return this.deliveries.list(site, id, query);
  }

  @Post(':id/retry-failed')
  @HttpCode(202)
  @ApiOperation({ summary: 'Re-queue exactly the failed deliveries whose subscriber is still active' })
  @ApiAcceptedResponse({ type: RetryFailedResponseDto })
  @ApiConflictResponse({ description: '`bulletin_not_started` (draft, scheduled or cancelled)' })
  retryFailed(@CurrentSite() site: Site, @BulletinId() id: string): Promise<RetryFailedResponseDto> {
    return this.sending.retryFailed(site, id);
  }
}
