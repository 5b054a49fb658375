import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  Allow,
  IsIn,
  IsIP,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { PageQuery } from '../../common/page-query.dto';
import { NO_HEADER_BREAKS } from '../../common/validation';
import { LOCALES, Locale } from '../../sites/site.entity';
import { Subscriber, SUBSCRIBER_STATUSES, SubscriberStatus } from '../subscriber.entity';
import { IsAttributes } from './attributes.validator';

const noBreaks = { message: '$property must not contain line breaks or NUL' };

export class ConsentDto {
  @ApiPropertyOptional({
    example: '2026-11-01',
    description: 'Policy version agreed to; the current one when omitted',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @Matches(NO_HEADER_BREAKS, noBreaks)
  policyVersion?: string;

  @ApiPropertyOptional({
    example: '203.0.113.7',
    description: "The person's IP address, as the site saw it",
  })
  @IsOptional()
  @IsIP()
  ip?: string;

  @ApiPropertyOptional({ example: 'Mozilla/5.0 …' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  @Matches(NO_HEADER_BREAKS, noBreaks)
  userAgent?: string;

  @ApiPropertyOptional({
    example: 'signup-form',
    description: 'Where on the site the consent was given',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @Matches(NO_HEADER_BREAKS, noBreaks)
  source?: string;
}

export class RegisterSubscriberDto {
  @ApiProperty({
    example: 'Ivan.Petrov@Example.RU',
    description:
      'Trimmed; domain lower-cased and IDN in punycode; matched case-insensitively. Else 400 `invalid_email`.',
  })
  // Checked by the service so every bad address, including a non-string, answers `invalid_email`.
  @Allow()
  email: unknown;

  @ApiPropertyOptional({ example: 'Иван', maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @Matches(NO_HEADER_BREAKS, noBreaks)
  name?: string;

  @ApiPropertyOptional({
    enum: LOCALES,
    description: "Picks the language of messages; the site's when absent",
  })
  @IsOptional()
  @IsIn(LOCALES)
  locale?: Locale;

  @ApiPropertyOptional({
    example: { city: 'Москва' },
    description: 'Flat object, up to 50 keys, scalar values',
  })
  @IsOptional()
  @IsAttributes()
  attributes?: Record<string, string | number | boolean>;

  @ApiPropertyOptional({ type: ConsentDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => ConsentDto)
  consent?: ConsentDto;
}

export class UpdateSubscriberDto {
  @ApiPropertyOptional({ nullable: true, maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @Matches(NO_HEADER_BREAKS, noBreaks)
  name?: string | null;

  @ApiPropertyOptional({ enum: LOCALES, nullable: true })
  @IsOptional()
  @IsIn(LOCALES)
  locale?: Locale | null;

  @ApiPropertyOptional({
    description: 'Merged into the stored attributes; a key set to null is removed',
  })
  @IsOptional()
  @IsAttributes({ allowNull: true })
  attributes?: Record<string, string | number | boolean | null>;
}

export class ListSubscribersQuery extends PageQuery {
  @ApiPropertyOptional({ enum: SUBSCRIBER_STATUSES })
  @IsOptional()
  @IsIn(SUBSCRIBER_STATUSES)
  status?: SubscriberStatus;

  @ApiPropertyOptional({ description: 'Exact address (matched case-insensitively, IDN-aware)' })
  @IsOptional()
  @IsString()
  @MaxLength(320)
  email?: string;
}

export class SubscriberDto {
  @ApiProperty() id: string;
  @ApiProperty() email: string;
  @ApiProperty({ nullable: true, type: String }) name: string | null;
  @ApiProperty({ nullable: true, enum: LOCALES }) locale: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) attributes: Record<string, unknown>;
  @ApiProperty({ enum: SUBSCRIBER_STATUSES }) status: SubscriberStatus;
  @ApiProperty() createdAt: string;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'When the person confirmed by double opt-in',
  })
  confirmedAt: string | null;
  @ApiProperty({ nullable: true, type: String }) unsubscribedAt: string | null;
}

export class SubscriberPageDto {
  @ApiProperty({ type: [SubscriberDto] }) items: SubscriberDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export function mapSubscriber(subscriber: Subscriber): SubscriberDto {
  return {
    id: subscriber.id,
    email: subscriber.email ?? '',
    name: subscriber.name,
    locale: subscriber.locale,
    attributes: subscriber.attributes ?? {},
    status: subscriber.status,
    createdAt: subscriber.createdAt.toISOString(),
    confirmedAt: iso(subscriber.confirmedAt),
    unsubscribedAt: iso(subscriber.unsubscribedAt),
  };
}
