import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type MessageKind = 'confirm' | 'notice' | 'test';
export type MessageStatus = 'queued' | 'sent' | 'failed';

/** Log of every message that is not a bulletin delivery (confirm, notice, test sends). */
@Entity('messages')
export class Message {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'site_id', type: 'uuid' }) siteId: string;
  @Column({ name: 'subscriber_id', type: 'uuid', nullable: true }) subscriberId: string | null;
  @Column({ name: 'bulletin_id', type: 'uuid', nullable: true }) bulletinId: string | null;
  @Column({ type: 'text' }) kind: MessageKind;
  @Column({ type: 'text' }) status: MessageStatus;
  /** Recipient for test sends only (they have no subscriber); null once erased. */
  @Column({ type: 'text', nullable: true }) recipient: string | null;
  @Column({ type: 'text', nullable: true }) subject: string | null;
  @Column({ name: 'message_id', type: 'text', nullable: true }) messageId: string | null;
  @Column({ type: 'text', nullable: true }) error: string | null;
  @Column({ type: 'int', default: 0 }) attempts: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true }) sentAt: Date | null;
}
