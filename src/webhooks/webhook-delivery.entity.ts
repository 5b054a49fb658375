import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type WebhookDeliveryStatus = 'pending' | 'sending' | 'delivered' | 'failed';
export const WEBHOOK_DELIVERY_STATUSES: WebhookDeliveryStatus[] = ['pending', 'sending', 'delivered', 'failed'];

/** One event for one webhook: its attempts and outcome (the delivery log). */
@Entity('webhook_deliveries')
export class WebhookDelivery {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'webhook_id', type: 'uuid' }) webhookId: string;
  @Column({ name: 'event_id', type: 'uuid' }) eventId: string;
  @Column({ name: 'event_seq', type: 'bigint' }) eventSeq: string;
  @Column({ name: 'subscriber_id', type: 'uuid', nullable: true }) subscriberId: string | null;
  @Column({ type: 'text' }) status: WebhookDeliveryStatus;
  @Column({ type: 'int', default: 0 }) attempts: number;
  @Column({ name: 'response_status', type: 'int', nullable: true }) responseStatus: number | null;
  @Column({ type: 'text', nullable: true }) error: string | null;
  @Column({ name: 'next_attempt_at', type: 'timestamptz' }) nextAttemptAt: Date;
  @Column({ name: 'locked_until', type: 'timestamptz', nullable: true }) lockedUntil: Date | null;
  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true }) deliveredAt: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' }) updatedAt: Date;
}
