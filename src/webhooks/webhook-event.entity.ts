import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { WebhookEventType } from './webhook-event-types';

/** The outbox: one row per event that at least one webhook wanted. Holds no address or name. */
@Entity('webhook_events')
export class WebhookEvent {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'bigint', insert: false, update: false }) seq: string;
  @Column({ name: 'site_id', type: 'uuid' }) siteId: string;
  @Column({ type: 'text' }) type: WebhookEventType;
  @Column({ name: 'subscriber_id', type: 'uuid', nullable: true }) subscriberId: string | null;
  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" }) data: Record<string, unknown>;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
