import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { WebhookEventType } from './webhook-event-types';

/** A URL a site registered for some event types; soft-deleted so its delivery log survives. */
@Entity('webhooks')
export class Webhook {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'site_id', type: 'uuid' }) siteId: string;
  @Column({ type: 'text' }) url: string;
  @Column({ type: 'text', array: true }) events: WebhookEventType[];
  /** HMAC key for Vestnik-Signature; kept in clear because signing needs it, shown to the site once. */
  @Column({ type: 'text' }) secret: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true }) deletedAt: Date | null;
}
