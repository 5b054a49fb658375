import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsEmail,
  IsIn,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import { PageQuery } from '../../common/page-query.dto';
import { NO_HEADER_BREAKS } from '../../common/validation';
import { Bulletin, BulletinStatus } from '../bulletin.entity';

export const BULLETIN_STATUSES: BulletinStatus[] = ['draft', 'scheduled', 'sending', 'paused', 'sent', 'cancelled'];
const noBreaks = { message: '$property must not contain line breaks or NUL' };

export class CreateBulletinDto {
  @ApiProperty({ example: 'Новости {{site.name}}', description: 'Handlebars template; becomes the Subject header' })
  @IsString() @MinLength(1) @MaxLength(1000) @Matches(NO_HEADER_BREAKS, noBreaks)
  subject: string;

  @ApiProperty({ example: '<h1>Привет, {{subscriber.name}}</h1>', description: 'Handlebars template; the site layout wraps it' })
  @IsString() @MinLength(1) @MaxLength(500_000)
  html: string;

  @ApiPropertyOptional({ nullable: true, type: String, description: 'Handlebars template; derived from `html` when absent' })
  @IsOptional() @IsString() @MaxLength(500_000)
  text?: string | null;
}

/** Every field may be left out; null is refused but for `text` (null: derive it from `html`). */
export class UpdateBulletinDto extends PartialType(CreateBulletinDto, { skipNullProperties: false }) {}

export class SendBulletinDto {
  @ApiPropertyOptional({ example: '2026-12-01T09:00:00Z', description: 'Start at this time (ISO-8601); now when absent or past' })
  @IsOptional() @IsISO8601({ strict: true })
  at?: string;
}

export class PreviewBulletinDto {
  @ApiPropertyOptional({ description: 'Render for this subscriber of the site; a sample subscriber when absent' })
  @IsOptional() @IsUUID()
  subscriberId?: string;
}

export class TestSendDto {
  @ApiProperty({ type: [String], minItems: 1, maxItems: 10, example: ['editor@vsmete.ru'] })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(10)
  @IsEmail({}, { each: true }) @MaxLength(254, { each: true }) @Matches(NO_HEADER_BREAKS, { each: true, ...noBreaks })
  emails: string[];
}

export class BulletinListQuery extends PageQuery {
  @ApiPropertyOptional({ enum: BULLETIN_STATUSES })
  @IsOptional() @IsIn(BULLETIN_STATUSES)
  status?: BulletinStatus;
}

export class BulletinStatsDto {
  @ApiProperty() total: number;
  @ApiProperty({ description: 'Waiting or being sent' }) queued: number;
  @ApiProperty() sent: number;
  @ApiProperty() failed: number;
  @ApiProperty({ description: 'Not sent: the subscriber left before their turn, or the bulletin was cancelled' })
  skipped: number;
  @ApiProperty({ description: 'Recipients whose message bounced (hard or soft), as reported later or by SMTP' })
  bounced: number;
  @ApiProperty({ description: 'Recipients who reported the message as spam' })
  complained: number;
}

export class BulletinDto {
  @ApiProperty() id: string;
  @ApiProperty() subject: string;
  @ApiProperty() html: string;
  @ApiProperty({ nullable: true, type: String }) text: string | null;
  @ApiProperty({ enum: BULLETIN_STATUSES }) status: BulletinStatus;
  @ApiProperty({ nullable: true, type: String }) scheduledAt: string | null;
  @ApiProperty({ nullable: true, type: String }) startedAt: string | null;
  @ApiProperty({ nullable: true, type: String }) finishedAt: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Why the system paused it (e.g. SMTP authentication failed)' })
  error: string | null;
  @ApiProperty({ type: BulletinStatsDto }) stats: BulletinStatsDto;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class BulletinPageDto {
  @ApiProperty({ type: [BulletinDto] }) items: BulletinDto[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass as `cursor` for the next page; null on the last' })
  nextCursor: string | null;
}

export class RenderedBulletinDto {
  @ApiProperty() subject: string;
  @ApiProperty() html: string;
  @ApiProperty() text: string;
}

export class TestSendResultDto {
  @ApiProperty() email: string;
  @ApiProperty({ enum: ['sent', 'failed'] }) status: 'sent' | 'failed';
  @ApiProperty({ nullable: true, type: String }) messageId: string | null;
  @ApiProperty({ nullable: true, type: String }) error: string | null;
}

export class TestSendResponseDto {
  @ApiProperty({ type: [TestSendResultDto] }) items: TestSendResultDto[];
}

export class RetryFailedResponseDto {
  @ApiProperty({ description: 'Deliveries queued again' }) requeued: number;
}

export const EMPTY_STATS: BulletinStatsDto = { total: 0, queued: 0, sent: 0, failed: 0, skipped: 0, bounced: 0, complained: 0 };

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export function mapBulletin(bulletin: Bulletin, stats: BulletinStatsDto = EMPTY_STATS): BulletinDto {
  return {
    id: bulletin.id,
    subject: bulletin.subject,
    html: bulletin.html,
    text: bulletin.text,
    status: bulletin.status,
    scheduledAt: iso(bulletin.scheduledAt),
    startedAt: iso(bulletin.startedAt),
    finishedAt: iso(bulletin.finishedAt),
    error: bulletin.error,
    stats,
    createdAt: bulletin.createdAt.toISOString(),
    updatedAt: bulletin.updatedAt.toISOString(),
  };
}
