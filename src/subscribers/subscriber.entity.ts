import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type SubscriberStatus = 'pending' | 'active' | 'unsubscribed' | 'bounced' | 'complained';
export const SUBSCRIBER_STATUSES: SubscriberStatus[] = [
  'pending',
  'active',
  'unsubscribed',
  'bounced',
  'complained',
];

@Entity('subscribers')
export class Subscriber {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'site_id', type: 'uuid' }) siteId: string;
  /** As given (trimmed, domain lower-cased and in punycode); null once erased. */
  @Column({ type: 'text', nullable: true }) email: string | null;
  /** Lower-cased address used for matching; null once erased. */
  @Column({ name: 'email_normalized', type: 'text', nullable: true }) emailNormalized: string | null;
  @Column({ type: 'text', nullable: true }) name: string | null;
  @Column({ type: 'text', nullable: true }) locale: string | null;
  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" }) attributes: Record<string, unknown>;
  @Column({ type: 'text' }) status: SubscriberStatus;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
  @Column({ name: 'confirmed_at', type: 'timestamptz', nullable: true }) confirmedAt: Date | null;
  @Column({ name: 'unsubscribed_at', type: 'timestamptz', nullable: true }) unsubscribedAt: Date | null;
  @Column({ name: 'erased_at', type: 'timestamptz', nullable: true }) erasedAt: Date | null;
  @Column({ name: 'confirm_sent_at', type: 'timestamptz', nullable: true }) confirmSentAt: Date | null;
}
