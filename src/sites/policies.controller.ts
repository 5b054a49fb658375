import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentSite } from '../common/auth/auth.decorators';
import { PageQuery } from '../common/page-query.dto';
import { CreatePolicyDto, mapPolicy, PolicyDto, PolicyListDto } from './dto/policy.dto';
import { PoliciesService } from './policies.service';
import { Site } from './site.entity';

@ApiTags('policies')
@Controller('v1/sites/:site/policies')
export class PoliciesController {
  constructor(private readonly policies: PoliciesService) {}

  @Post()
  @HttpCode(201)
  @Auth('admin')
  @ApiCreatedResponse({ type: PolicyDto })
  @ApiConflictResponse({ description: 'code `policy_version_taken`' })
  async create(@CurrentSite() site: Site, @Body() dto: CreatePolicyDto): Promise<PolicyDto> {
    const policy = await this.policies.create(site, dto);
    const current = await this.policies.current(site.id);
    return mapPolicy(policy, current?.id ?? null);
  }

  @Get()
  @Auth('backend')
  @ApiOkResponse({ type: PolicyListDto, description: 'Newest first; `current` marks the one in force' })
  async list(@CurrentSite() site: Site, @Query() query: PageQuery): Promise<PolicyListDto> {
    const [page, current] = await Promise.all([this.policies.page(site, query.limit, query.cursor), this.policies.current(site.id)]);
    return { items: page.items.map((p) => mapPolicy(p, current?.id ?? null)), nextCursor: page.nextCursor };
  }
}
