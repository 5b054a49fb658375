import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Auth, AuthInStatement, CurrentCaller, CurrentPrincipal, CurrentSite } from '../common/auth/auth.decorators';
import { Caller, Principal } from '../common/auth/auth.types';
import { uuidPipe } from '../common/uuid.pipe';
import { createValidationPipe } from '../common/validation';
import { ApiKeysService } from '../sites/api-keys.service';
import { Site } from '../sites/site.entity';
import { SubscriberExportDto } from './dto/export.dto';
import { ImportQuery, ImportResultDto } from './dto/import.dto';
import {
  ListSubscribersQuery,
  mapSubscriber,
  RegisterSubscriberDto,
  SubscriberDto,
  SubscriberPageDto,
  UpdateSubscriberDto,
} from './dto/subscriber.dto';
import { ErasureService } from './erasure.service';
import { ExportService } from './export.service';
import { ImportService } from './import.service';
import { Registration, RegistrationService } from './registration.service';
import { SubscribersService } from './subscribers.service';

const subscriberId = uuidPipe('subscriber_not_found');

const REGISTER_BODY = { type: 'body', metatype: RegisterSubscriberDto } as const;

@ApiTags('subscribers')
@Controller('v1/sites/:site/subscribers')
export class SubscribersController {
  constructor(
    private readonly registration: RegistrationService,
    private readonly subscribers: SubscribersService,
    private readonly exports: ExportService,
    private readonly erasure: ErasureService,
    private readonly importer: ImportService,
    private readonly keys: ApiKeysService,
  ) {}

  private readonly validation = createValidationPipe();

  @Post()
  @AuthInStatement()
  @ApiOperation({
    summary: "Register an address; the site's confirmation policy decides status and message",
  })
  @ApiCreatedResponse({ type: SubscriberDto, description: 'New subscriber' })
  @ApiOkResponse({
    type: SubscriberDto,
    description: 'Already registered (or re-subscribed): the existing subscriber',
  })
  @ApiBadRequestResponse({
    description: 'Codes `invalid_email`, `unknown_policy_version`, `validation_failed`',
  })
  @ApiServiceUnavailableResponse({
    description: 'Code `queue_unavailable`: the message could not be queued; nothing was stored',
  })
  @ApiBody({ type: RegisterSubscriberDto })
  async register(
    @CurrentCaller() caller: Caller,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SubscriberDto> {
    let result: Registration;
    try {
      // Validated here, not by the global pipe (which runs before the handler), so that a key
      // still to be checked answers 401 or 404 before any 400, as on every other route.
      const dto = (await this.validation.transform(body, REGISTER_BODY)) as RegisterSubscriberDto;
      result = await this.registration.register(caller, dto);
    } catch (error) {
      if ('key' in caller) await this.keys.refuseUnlessOwnKey(caller.key);
      throw error;
    }
    void reply.status(result.created ? 201 : 200);
    return mapSubscriber(result.subscriber);
  }

  @Get()
  @Auth('backend')
  @ApiOkResponse({ type: SubscriberPageDto })
  list(
    @CurrentSite() site: Site,
    @Query() query: ListSubscribersQuery,
  ): Promise<SubscriberPageDto> {
    return this.subscribers.list(site, query);
  }

  @Post('import')
  @HttpCode(200)
  @Auth('marketing')
  @ApiOperation({
    summary:
      'Import a CSV file (header `email`, optional `name`, `locale`, other columns → attributes)',
  })
  @ApiConsumes('text/csv')
  @ApiOkResponse({ type: ImportResultDto })
  @ApiBadRequestResponse({
    description: 'Codes `csv_missing_email`, `csv_bad_header`, `csv_empty`, `csv_encoding`, `csv_malformed` (nothing imported)',
  })
  @ApiPayloadTooLargeResponse({
    description: 'Code `payload_too_large`: over 50 MiB; nothing was imported',
  })
  import(
    @CurrentSite() site: Site,
    @CurrentPrincipal() principal: Principal,
    @Query() query: ImportQuery,
    @Req() request: FastifyRequest,
  ): Promise<ImportResultDto> {
    return this.importer.execute(site, principal, query, {
      contentType: request.headers['content-type'],
      contentLength: request.headers['content-length'],
      body: request.body,
    });
  }

  @Get(':id')
  @Auth('backend')
  @ApiOkResponse({ type: SubscriberDto })
  async get(
    @CurrentSite() site: Site,
    @Param('id', subscriberId) id: string,
  ): Promise<SubscriberDto> {
    return mapSubscriber(await this.subscribers.get(site, id));
  }

  @Patch(':id')
  @Auth('backend')
  @ApiOkResponse({ type: SubscriberDto })
  async update(
    @CurrentSite() site: Site,
    @CurrentPrincipal() principal: Principal,
    @Param('id', subscriberId) id: string,
    @Body() dto: UpdateSubscriberDto,
  ): Promise<SubscriberDto> {
    return mapSubscriber(await this.subscribers.update(site, principal, id, dto));
  }

  @Post(':id/unsubscribe')
  @HttpCode(200)
  @Auth('backend')
  @ApiOperation({ summary: 'Unsubscribe (channel `api`); repeating it is harmless' })
  @ApiOkResponse({ type: SubscriberDto })
  async unsubscribe(
    @CurrentSite() site: Site,
    @CurrentPrincipal() principal: Principal,
    @Param('id', subscriberId) id: string,
  ): Promise<SubscriberDto> {
    return mapSubscriber(await this.subscribers.unsubscribe(site, principal, id));
  }

  @Get(':id/export')
  @Auth('backend')
  @ApiOperation({
    summary: 'Everything stored about the person: subscriber, consent ledger, messages',
  })
  @ApiOkResponse({ type: SubscriberExportDto })
  export(
    @CurrentSite() site: Site,
    @Param('id', subscriberId) id: string,
  ): Promise<SubscriberExportDto> {
    return this.exports.execute(site, id);
  }

  @Delete(':id')
  @HttpCode(204)
  @Auth('backend')
  @ApiOperation({
    summary: 'Erase the personal data; the address is suppressed for imports and bulletins',
  })
  @ApiNoContentResponse()
  async erase(
    @CurrentSite() site: Site,
    @CurrentPrincipal() principal: Principal,
    @Param('id', subscriberId) id: string,
  ): Promise<void> {
    await this.erasure.execute(site, principal, id);
  }
}
