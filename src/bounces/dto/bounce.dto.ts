import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  ValidateIf,
} from 'class-validator';
import { NO_HEADER_BREAKS, OptionalNotNull } from '../../common/validation';
import { SUBSCRIBER_STATUSES, SubscriberStatus } from '../../subscribers/subscriber.entity';
import { BOUNCE_TYPES, BounceType } from '../bounce.entity';
import { BounceSettings } from '../bounce-settings.entity';

export class ReportBounceDto {
  @ApiPropertyOptional({ example: 'ivan@example.ru', description: 'The address; give this or messageId' })
  @ValidateIf((o: ReportBounceDto) => o.email !== undefined || o.messageId === undefined)
  @IsString({ message: 'email or messageId is required' }) @MaxLength(320) @Matches(NO_HEADER_BREAKS)
  email?: string;

  @ApiPropertyOptional({ example: '<0f1e…@vestnik>', description: 'Message-ID of the message that bounced; matched first' })
  @ValidateIf((o: ReportBounceDto) => o.messageId !== undefined || o.email === undefined)
  @IsString({ message: 'email or messageId is required' }) @MinLength(3) @MaxLength(998) @Matches(NO_HEADER_BREAKS)
  messageId?: string;

  @ApiProperty({ enum: BOUNCE_TYPES })
  @IsIn(BOUNCE_TYPES)
  type: BounceType;

  @ApiPropertyOptional({ example: '550 5.1.1 User unknown' })
  @IsOptional() @IsString() @MaxLength(2000)
  reason?: string;
}

export class BounceOutcomeDto {
  @ApiProperty({ description: 'Whether a subscriber of this site was found' }) matched: boolean;
  @ApiProperty({ nullable: true, type: String }) subscriberId: string | null;
  @ApiProperty({ nullable: true, enum: SUBSCRIBER_STATUSES }) status: SubscriberStatus | null;
}

export class DsnOutcomeDto {
  @ApiProperty({ description: 'Failed recipients (or complaints) found in the report' }) bounces: number;
  @ApiProperty({ description: 'How many of them matched a subscriber' }) matched: number;
}

const ARN = /^arn:aws(-[a-z]+)*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

export class UpdateBounceSettingsDto {
  @ApiPropertyOptional({ type: [String], example: ['arn:aws:sns:eu-west-1:123456789012:ses-bounces'], description: 'SNS topics whose notifications are accepted' })
  @OptionalNotNull() @IsArray() @ArrayMaxSize(20) @Matches(ARN, { each: true, message: 'sesTopicArns must be SNS topic ARNs' })
  sesTopicArns?: string[];

  @ApiPropertyOptional({ nullable: true, description: 'Basic-auth user Postmark sends (set in the webhook URL); null clears' })
  @IsOptional() @ValidateIf((_, v) => v !== null) @IsString() @Matches(/^[^:\s]{1,100}$/, { message: 'postmarkUsername must be 1-100 characters without ":" or spaces' })
  postmarkUsername?: string | null;

  @ApiPropertyOptional({ nullable: true, description: 'Basic-auth password Postmark sends; write-only; null clears' })
  @IsOptional() @ValidateIf((_, v) => v !== null) @IsString() @MinLength(16) @MaxLength(200) @Matches(/^\S+$/)
  postmarkPassword?: string | null;

  @ApiPropertyOptional({ nullable: true, description: 'Mailgun HTTP webhook signing key; write-only; null clears' })
  @IsOptional() @ValidateIf((_, v) => v !== null) @IsString() @MinLength(16) @MaxLength(200) @Matches(/^\S+$/)
  mailgunSigningKey?: string | null;
}

export class BounceSettingsDto {
  @ApiProperty({ type: [String] }) sesTopicArns: string[];
  @ApiProperty({ nullable: true, type: String }) postmarkUsername: string | null;
  @ApiProperty({ description: 'Whether Postmark basic auth is set' }) postmarkConfigured: boolean;
  @ApiProperty({ description: 'Whether a Mailgun signing key is set' }) mailgunConfigured: boolean;
}

export function mapBounceSettings(settings: BounceSettings | null): BounceSettingsDto {
  return {
    sesTopicArns: settings?.sesTopicArns ?? [],
    postmarkUsername: settings?.postmarkUsername ?? null,
    postmarkConfigured: Boolean(settings?.postmarkUsername && settings.postmarkPassword),
    mailgunConfigured: Boolean(settings?.mailgunSigningKey),
  };
}
