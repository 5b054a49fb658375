import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type BounceType = 'hard' | 'soft' | 'complaint';
export const BOUNCE_TYPES: BounceType[] = ['hard', 'soft', 'complaint'];
/** Where a bounce came from: the API, a provider's notification, a forwarded DSN, or our own SMTP session. */
export type BounceSource = 'api' | 'ses' | 'postmark' | 'mailgun' | 'dsn' | 'smtp';

/** One bounce or complaint of a subscriber; soft-bounce thresholds and bulletin stats count these. */
@Entity('bounces')
export class Bounce {
  @PrimaryGeneratedColumn('identity', { type: 'bigint' }) id: string;
  @Column({ name: 'site_id', type: 'uuid' }) siteId: string;
  @Column({ name: 'subscriber_id', type: 'uuid' }) subscriberId: string;
  @Column({ name: 'bulletin_id', type: 'uuid', nullable: true }) bulletinId: string | null;
  @Column({ type: 'text' }) type: BounceType;
  @Column({ type: 'text' }) source: BounceSource;
  /** The provider's or MTA's words, with the address itself masked out. */
  @Column({ type: 'text', nullable: true }) reason: string | null;
  @Column({ name: 'provider_event_id', type: 'text', nullable: true }) providerEventId: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
