import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsEmail, IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { DkimDto, DkimInputDto, mapDkim } from '../../dkim/dkim.dto';
import { NO_HEADER_BREAKS, OptionalNotNull } from '../../common/validation';
import { CONFIRMATION_POLICIES, ConfirmationPolicy, LOCALES, Locale, Site } from '../site.entity';

const noBreaks = { message: '$property must not contain line breaks or NUL' };

export class CreateSiteDto {
  @ApiProperty({ example: 'vsmete', pattern: '^[a-z0-9-]{2,40}$' })
  @Matches(/^[a-z0-9-]{2,40}$/, { message: 'slug must be 2-40 characters of a-z, 0-9 and -' })
  slug: string;

  @ApiProperty({ example: 'ВСМЕТЕ' })
  @IsString() @MaxLength(200) @Matches(NO_HEADER_BREAKS, noBreaks) @Matches(/\S/, { message: 'name must not be empty' })
  name: string;

  @ApiProperty({ example: 'https://vsmete.ru' })
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true }) @MaxLength(500)
  baseUrl: string;

  @ApiProperty({ example: 'news@vsmete.ru' })
  @IsEmail() @MaxLength(254) @Matches(NO_HEADER_BREAKS, noBreaks)
  fromEmail: string;

  @ApiProperty({ example: 'ВСМЕТЕ' })
  @IsString() @MaxLength(200) @Matches(NO_HEADER_BREAKS, noBreaks)
  fromName: string;

  @ApiPropertyOptional({ nullable: true, example: null })
  @IsOptional() @IsEmail() @MaxLength(254) @Matches(NO_HEADER_BREAKS, noBreaks)
  replyTo?: string | null;

  @ApiPropertyOptional({ nullable: true, description: 'Address for the mailto: form of List-Unsubscribe' })
  @IsOptional() @IsEmail() @MaxLength(254) @Matches(NO_HEADER_BREAKS, noBreaks)
  unsubscribeMailto?: string | null;

  @ApiProperty({ enum: CONFIRMATION_POLICIES, description: 'What a new registration triggers' })
  @IsIn(CONFIRMATION_POLICIES)
  confirmation: ConfirmationPolicy;

  @ApiProperty({ enum: LOCALES, example: 'ru' })
  @IsIn(LOCALES)
  locale: Locale;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 3, description: 'Soft bounces in 30 days before an address counts as bounced' })
  @OptionalNotNull() @IsInt() @Min(1) @Max(100)
  softBounceLimit?: number;

  @ApiPropertyOptional({ type: DkimInputDto, nullable: true, description: 'DKIM signing key (write-only); null turns signing off' })
  @IsOptional() @ValidateNested() @Type(() => DkimInputDto)
  dkim?: DkimInputDto | null;
}

/** Every field may be left out; null is refused except where it means something (replyTo, dkim…). */
export class UpdateSiteDto extends PartialType(CreateSiteDto, { skipNullProperties: false }) {}

export class SiteDto {
  @ApiProperty() id: string;
  @ApiProperty() slug: string;
  @ApiProperty() name: string;
  @ApiProperty() baseUrl: string;
  @ApiProperty() fromEmail: string;
  @ApiProperty() fromName: string;
  @ApiProperty({ nullable: true, type: String }) replyTo: string | null;
  @ApiProperty({ nullable: true, type: String }) unsubscribeMailto: string | null;
  @ApiProperty({ enum: CONFIRMATION_POLICIES }) confirmation: ConfirmationPolicy;
  @ApiProperty({ enum: LOCALES }) locale: Locale;
  @ApiProperty() softBounceLimit: number;
  @ApiProperty({ type: DkimDto, nullable: true, description: 'Signing domain and selector, and the DNS record to publish; never the private key' })
  dkim: DkimDto | null;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class SiteListDto {
  @ApiProperty({ type: [SiteDto] }) items: SiteDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export function mapSite(site: Site): SiteDto {
  return {
    id: site.id,
    slug: site.slug,
    name: site.name,
    baseUrl: site.baseUrl,
    fromEmail: site.fromEmail,
    fromName: site.fromName,
    replyTo: site.replyTo,
    unsubscribeMailto: site.unsubscribeMailto,
    confirmation: site.confirmation,
    locale: site.locale,
    softBounceLimit: site.softBounceLimit,
    dkim: mapDkim(site),
    createdAt: site.createdAt.toISOString(),
    updatedAt: site.updatedAt.toISOString(),
  };
}
