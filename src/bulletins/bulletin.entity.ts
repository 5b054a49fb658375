import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type BulletinStatus = 'draft' | 'scheduled' | 'sending' | 'paused' | 'sent' | 'cancelled';

@Entity('bulletins')
export class Bulletin {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'site_id', type: 'uuid' }) siteId: string;
  @Column({ type: 'text' }) subject: string;
  @Column({ type: 'text' }) html: string;
  @Column({ type: 'text', nullable: true }) text: string | null;
  @Column({ type: 'text' }) status: BulletinStatus;
  @Column({ name: 'scheduled_at', type: 'timestamptz', nullable: true }) scheduledAt: Date | null;
  @Column({ name: 'started_at', type: 'timestamptz', nullable: true }) startedAt: Date | null;
  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true }) finishedAt: Date | null;
  /** Why the bulletin was paused by the system (e.g. SMTP authentication failed). */
  @Column({ type: 'text', nullable: true }) error: string | null;
  /** Fan-out checkpoint: last subscriber id written to deliveries; null before the first batch. */
  @Column({ name: 'fanout_cursor', type: 'uuid', nullable: true }) fanoutCursor: string | null;
  @Column({ name: 'fanout_done', type: 'boolean', default: false }) fanoutDone: boolean;
  /**
   * Deliveries still queued or sending, as far as the send path has counted: a hint that spares
   * the completion check a scan of the ledger after every chunk. Never shown; the ledger decides.
   */
  @Column({ name: 'open_deliveries', type: 'integer', default: 0, select: false }) openDeliveries: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
