import { ApiProperty } from '@nestjs/swagger';
import { SubscriberDto } from './subscriber.dto';

export class ExportEventDto {
  @ApiProperty({
    enum: ['registered', 'confirmed', 'unsubscribed', 'updated', 'bounced', 'complained', 'erased'],
  })
  type: string;
  @ApiProperty({ enum: ['api', 'import', 'page', 'one_click', 'console', 'bounce', 'system'] })
  channel: string;
  @ApiProperty() createdAt: string;
  @ApiProperty({ nullable: true, type: String }) ip: string | null;
  @ApiProperty({ nullable: true, type: String }) userAgent: string | null;
  @ApiProperty({ nullable: true, type: String }) source: string | null;
  @ApiProperty({ nullable: true, type: String }) policyVersion: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'SHA-256 of the policy text agreed to',
  })
  policySha256: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The API key that made the change' })
  apiKeyId: string | null;
  @ApiProperty({ nullable: true, type: String }) bulletinId: string | null;
  @ApiProperty({ nullable: true, type: 'object', additionalProperties: true }) detail: Record<
    string,
    unknown
  > | null;
}

export class ExportMessageDto {
  @ApiProperty({ enum: ['bulletin', 'confirm', 'notice', 'test'] }) kind: string;
  @ApiProperty({ nullable: true, type: String }) bulletinId: string | null;
  @ApiProperty({ nullable: true, type: String }) subject: string | null;
  @ApiProperty({ description: 'queued, sending, sent, failed or skipped' }) status: string;
  @ApiProperty({ nullable: true, type: String }) messageId: string | null;
  @ApiProperty({ nullable: true, type: String }) error: string | null;
  @ApiProperty({ nullable: true, type: String }) sentAt: string | null;
}

export class ExportBounceDto {
  @ApiProperty({ enum: ['hard', 'soft', 'complaint'] }) type: string;
  @ApiProperty({ enum: ['api', 'ses', 'postmark', 'mailgun', 'dsn', 'smtp'] }) source: string;
  @ApiProperty({ nullable: true, type: String }) reason: string | null;
  @ApiProperty({ nullable: true, type: String }) bulletinId: string | null;
  @ApiProperty() createdAt: string;
}

export class SubscriberExportDto {
  @ApiProperty({ type: SubscriberDto }) subscriber: SubscriberDto;
  @ApiProperty({ type: [ExportEventDto], description: 'The consent ledger, oldest first' })
  events: ExportEventDto[];
  @ApiProperty({ type: [ExportMessageDto], description: 'Every message addressed to the person' })
  messages: ExportMessageDto[];
  @ApiProperty({ type: [ExportBounceDto], description: 'Bounces and complaints recorded for the address, oldest first' })
  bounces: ExportBounceDto[];
}
