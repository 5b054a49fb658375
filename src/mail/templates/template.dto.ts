import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { NO_HEADER_BREAKS } from '../../common/validation';
import { LOCALES, Locale } from '../../sites/site.entity';
import { TEMPLATE_NAMES, TemplateName } from '../template.entity';

const MAX_TEMPLATE = 500_000;

/** Body of `PUT /v1/sites/{site}/templates/{name}`. */
export class PutTemplateDto {
  @ApiPropertyOptional({
    description: 'Handlebars subject (confirm and notice only; the built-in one when omitted)',
    example: 'Подтвердите подписку на {{site.name}}',
  })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  @Matches(NO_HEADER_BREAKS, { message: 'subject must not contain line breaks or NUL' })
  subject?: string | null;

  @ApiProperty({
    description:
      'Handlebars HTML. `layout` gets `{{{body}}}` and must contain `{{unsubscribeUrl}}`; `confirm` must contain `{{confirmUrl}}`',
  })
  @IsString()
  @MaxLength(MAX_TEMPLATE)
  html: string;

  @ApiPropertyOptional({ description: 'Handlebars text part; derived from `html` when omitted' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_TEMPLATE)
  text?: string | null;
}

/** `?locale=`: which language version to replace (default: the site's language). */
export class TemplateLocaleQuery {
  @ApiPropertyOptional({ enum: LOCALES })
  @IsOptional()
  @IsIn(LOCALES)
  locale?: Locale;
}

export class TemplateDto {
  @ApiProperty({ enum: TEMPLATE_NAMES }) name: TemplateName;
  @ApiProperty({ enum: LOCALES }) locale: Locale;
  @ApiProperty({ nullable: true, type: String }) subject: string | null;
  @ApiProperty() html: string;
  @ApiProperty({ nullable: true, type: String }) text: string | null;
  @ApiProperty({ description: 'false once the site replaced the built-in version' })
  builtIn: boolean;
  @ApiProperty({ nullable: true, type: String }) updatedAt: string | null;
}

export class TemplateListDto {
  @ApiProperty({ type: [TemplateDto] }) items: TemplateDto[];
}
