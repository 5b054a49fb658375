import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentPrincipal, CurrentSite } from '../common/auth/auth.decorators';
import { Principal } from '../common/auth/auth.types';
import { PageQuery } from '../common/page-query.dto';
import { CreateSiteDto, mapSite, SiteDto, SiteListDto, UpdateSiteDto } from './dto/site.dto';
import { Site } from './site.entity';
import { SitesService } from './sites.service';

@ApiTags('sites')
@Controller('v1/sites')
export class SitesController {
  constructor(private readonly sites: SitesService) {}

  @Post()
  @HttpCode(201)
  @Auth('admin')
  @ApiCreatedResponse({ type: SiteDto })
  @ApiConflictResponse({ description: 'code `slug_taken`' })
  async create(@Body() dto: CreateSiteDto): Promise<SiteDto> {
    return mapSite(await this.sites.create(dto));
  }

  @Get()
  @Auth('any')
  @ApiOkResponse({ type: SiteListDto, description: 'Every site for the admin key (by slug); its own site for a site key' })
  async list(@CurrentPrincipal() principal: Principal, @Query() query: PageQuery): Promise<SiteListDto> {
    const page = await this.sites.page(principal, query.limit, query.cursor);
    return { items: page.items.map(mapSite), nextCursor: page.nextCursor };
  }

  @Get(':site')
  @Auth('any')
  @ApiOkResponse({ type: SiteDto })
  get(@Param('site') _slug: string, @CurrentSite() site: Site): SiteDto {
    return mapSite(site);
  }

  @Patch(':site')
  @Auth('admin')
  @ApiOkResponse({ type: SiteDto })
  async update(@Param('site') _slug: string, @CurrentSite() site: Site, @Body() dto: UpdateSiteDto): Promise<SiteDto> {
    return mapSite(await this.sites.update(site, dto));
  }
}
