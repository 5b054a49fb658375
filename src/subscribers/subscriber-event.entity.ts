import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type SubscriberEventType =
  | 'registered'
  | 'confirmed'
  | 'unsubscribed'
  | 'updated'
  | 'bounced'
  | 'complained'
  | 'erased';
/** How an event reached us: the unsubscribe channel in particular is part of the consent record. */
export type EventChannel = 'api' | 'import' | 'page' | 'one_click' | 'console' | 'bounce' | 'system';

/** Append-only consent ledger: rows are inserted, never updated (erasure blanks personal fields). */
@Entity('subscriber_events')
export class SubscriberEvent {
  @PrimaryGeneratedColumn('identity', { type: 'bigint' }) id: string;
  @Column({ name: 'site_id', type: 'uuid' }) siteId: string;
  @Column({ name: 'subscriber_id', type: 'uuid' }) subscriberId: string;
  @Column({ type: 'text' }) type: SubscriberEventType;
  @Column({ type: 'text' }) channel: EventChannel;
  @Column({ type: 'text', nullable: true }) ip: string | null;
  @Column({ name: 'user_agent', type: 'text', nullable: true }) userAgent: string | null;
  @Column({ type: 'text', nullable: true }) source: string | null;
  @Column({ name: 'policy_version', type: 'text', nullable: true }) policyVersion: string | null;
  @Column({ name: 'policy_sha256', type: 'text', nullable: true }) policySha256: string | null;
  @Column({ name: 'api_key_id', type: 'uuid', nullable: true }) apiKeyId: string | null;
  @Column({ name: 'bulletin_id', type: 'uuid', nullable: true }) bulletinId: string | null;
  @Column({ type: 'jsonb', nullable: true }) detail: Record<string, unknown> | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
