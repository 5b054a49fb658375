import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentSite } from '../common/auth/auth.decorators';
import { uuidPipe } from '../common/uuid.pipe';
import { ApiKeysService } from './api-keys.service';
import { PageQuery } from '../common/page-query.dto';
import { ApiKeyListDto, CreateApiKeyDto, CreatedApiKeyDto, mapApiKey } from './dto/api-key.dto';
import { Site } from './site.entity';

@ApiTags('keys')
@Controller('v1/sites/:site/keys')
@Auth('admin')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @HttpCode(201)
  @ApiCreatedResponse({ type: CreatedApiKeyDto, description: 'The key is shown only here' })
  async create(@CurrentSite() site: Site, @Body() dto: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    const { key, secret } = await this.keys.create(site, dto);
    return { ...mapApiKey(key), key: secret };
  }

  @Get()
  @ApiOkResponse({ type: ApiKeyListDto, description: 'Oldest first, revoked ones included; never a secret' })
  async list(@CurrentSite() site: Site, @Query() query: PageQuery): Promise<ApiKeyListDto> {
    const page = await this.keys.page(site, query.limit, query.cursor);
    return { items: page.items.map(mapApiKey), nextCursor: page.nextCursor };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Revoked: the key stops working at once' })
  async revoke(@CurrentSite() site: Site, @Param('id', uuidPipe('key_not_found')) id: string): Promise<void> {
    await this.keys.revoke(site, id);
  }
}
