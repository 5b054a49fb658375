import { Body, Controller, Delete, Get, Param, ParseEnumPipe, Put, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { notFound } from '../../common/app-exception';
import { Auth, CurrentSite } from '../../common/auth/auth.decorators';
import { Site } from '../../sites/site.entity';
import { TEMPLATE_NAMES, TemplateName } from '../template.entity';
import { PutTemplateDto, TemplateDto, TemplateListDto, TemplateLocaleQuery } from './template.dto';
import { TemplatesService } from './templates.service';

const namePipe = new ParseEnumPipe(Object.fromEntries(TEMPLATE_NAMES.map((n) => [n, n])), {
  exceptionFactory: () =>
    notFound('template_not_found', 'No such template (layout, confirm, notice)'),
});

@ApiTags('templates')
@Controller('v1/sites/:site/templates')
export class TemplatesController {
  constructor(private readonly templates: TemplatesService) {}

  @Get()
  @Auth('marketing')
  @ApiOperation({
    summary: 'Every template in every language: the site’s own versions and the built-in ones',
  })
  @ApiOkResponse({ type: TemplateListDto })
  async list(@CurrentSite() site: Site): Promise<TemplateListDto> {
    return { items: await this.templates.list(site) };
  }

  @Put(':name')
  @Auth('marketing')
  @ApiOperation({
    summary: 'Replace a template in one language (`?locale=`, default the site’s)',
    description:
      '`layout` wraps bulletins, confirm and notice messages (gets `{{{body}}}`, must contain `{{unsubscribeUrl}}`); ' +
      '`confirm` is the double opt-in message body (must contain `{{confirmUrl}}`); `notice` is the ' +
      'registration-confirmed message body. Checked when saved, never at send time.',
  })
  @ApiParam({ name: 'name', enum: TEMPLATE_NAMES })
  @ApiOkResponse({ type: TemplateDto })
  @ApiBadRequestResponse({
    description:
      'codes `template_syntax`, `unsubscribe_link_missing`, `confirm_link_missing`, `body_missing`, `validation_failed`',
  })
  save(
    @CurrentSite() site: Site,
    @Param('name', namePipe) name: TemplateName,
    @Query() query: TemplateLocaleQuery,
    @Body() dto: PutTemplateDto,
  ): Promise<TemplateDto> {
    return this.templates.save(site, name, query.locale ?? site.locale, dto);
  }

  @Delete(':name')
  @Auth('marketing')
  @ApiOperation({
    summary: 'Go back to the built-in template in one language (`?locale=`, default the site’s)',
  })
  @ApiParam({ name: 'name', enum: TEMPLATE_NAMES })
  @ApiOkResponse({ type: TemplateDto, description: 'The built-in template now in force' })
  reset(
    @CurrentSite() site: Site,
    @Param('name', namePipe) name: TemplateName,
    @Query() query: TemplateLocaleQuery,
  ): Promise<TemplateDto> {
    return this.templates.reset(site, name, query.locale ?? site.locale);
  }
}
