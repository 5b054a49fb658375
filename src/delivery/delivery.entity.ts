import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type DeliveryStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'skipped';

/** One row per bulletin and recipient: the ledger of who got what. */
@Entity('deliveries')
export class Delivery {
  @PrimaryGeneratedColumn('identity', { type: 'bigint' }) id: string;
  @Column({ name: 'bulletin_id', type: 'uuid' }) bulletinId: string;
  @Column({ name: 'subscriber_id', type: 'uuid' }) subscriberId: string;
  @Column({ type: 'text' }) status: DeliveryStatus;
  @Column({ type: 'int', default: 0 }) attempts: number;
  @Column({ type: 'text', nullable: true }) error: string | null;
  /** Stable per delivery, so a resend after a crash carries the same Message-ID. */
  @Column({ name: 'message_id', type: 'text', nullable: true }) messageId: string | null;
  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' }) updatedAt: Date;
  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true }) sentAt: Date | null;
  /** After a temporary failure: not before this time (recovery leaves it to its delayed job until then). */
  @Column({ name: 'retry_at', type: 'timestamptz', nullable: true }) retryAt: Date | null;
}
