import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** The development mailbox: what would have been sent, kept in PostgreSQL so api and worker share it. */
@Entity('dev_mail')
export class DevMail {
  @PrimaryGeneratedColumn('identity', { type: 'bigint' }) id: string;
  @Column({ name: 'message_id', type: 'text', nullable: true }) messageId: string | null;
  @Column({ name: 'from_address', type: 'text' }) from: string;
  @Column({ name: 'to_address', type: 'text' }) to: string;
  @Column({ type: 'text' }) subject: string;
  @Column({ type: 'text', nullable: true }) html: string | null;
  @Column({ type: 'text', nullable: true }) text: string | null;
  @Column({ type: 'text' }) raw: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
