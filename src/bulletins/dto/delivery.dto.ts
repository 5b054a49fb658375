import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageQuery } from '../../common/page-query.dto';

export const DELIVERY_STATUSES = ['queued', 'sent', 'failed', 'skipped'] as const;
export type PublicDeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export class DeliveryListQuery extends PageQuery {
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES, description: '`queued` includes deliveries being sent right now' })
  @IsOptional() @IsIn(DELIVERY_STATUSES)
  status?: PublicDeliveryStatus;
}

export class DeliveryDto {
  @ApiProperty() subscriberId: string;
  @ApiProperty({ nullable: true, type: String, description: 'null once the subscriber was erased' }) email: string | null;
  @ApiProperty({ enum: DELIVERY_STATUSES }) status: PublicDeliveryStatus;
  @ApiProperty({ description: 'Send attempts in the current round (retry-failed starts a new one)' }) attempts: number;
  @ApiProperty({ nullable: true, type: String, description: 'The SMTP server answer or why it was skipped' })
  error: string | null;
  @ApiProperty({ nullable: true, type: String }) sentAt: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Message-ID header, stable across resends' })
  messageId: string | null;
}

export class DeliveryPageDto {
  @ApiProperty({ type: [DeliveryDto] }) items: DeliveryDto[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass as `cursor` for the next page; null on the last' })
  nextCursor: string | null;
}

export interface DeliveryRow {
  id: string;
  subscriber_id: string;
  email: string | null;
  status: string;
  attempts: number;
  error: string | null;
  sent_at: Date | null;
  message_id: string | null;
}

export function mapDelivery(row: DeliveryRow): DeliveryDto {
  return {
    subscriberId: row.subscriber_id,
    email: row.email,
    // `sending` is an internal claim: to a client it is still waiting for its result.
    status: (row.status === 'sending' ? 'queued' : row.status) as PublicDeliveryStatus,
    attempts: row.attempts,
    error: row.error,
    sentAt: row.sent_at ? row.sent_at.toISOString() : null,
    messageId: row.message_id,
  };
}
