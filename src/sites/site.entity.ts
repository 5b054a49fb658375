import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type ConfirmationPolicy = 'none' | 'notice' | 'double_opt_in';
export const CONFIRMATION_POLICIES: ConfirmationPolicy[] = ['none', 'notice', 'double_opt_in'];
export const LOCALES = ['ru', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

@Entity('sites')
export class Site {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column() slug: string;
  @Column() name: string;
  @Column({ name: 'base_url' }) baseUrl: string;
  @Column({ name: 'from_email' }) fromEmail: string;
  @Column({ name: 'from_name' }) fromName: string;
  @Column({ name: 'reply_to', type: 'text', nullable: true }) replyTo: string | null;
  @Column({ name: 'unsubscribe_mailto', type: 'text', nullable: true }) unsubscribeMailto: string | null;
  @Column({ type: 'text' }) confirmation: ConfirmationPolicy;
  @Column({ type: 'text' }) locale: Locale;
  @Column({ name: 'dkim_domain', type: 'text', nullable: true }) dkimDomain: string | null;
  @Column({ name: 'dkim_selector', type: 'text', nullable: true }) dkimSelector: string | null;
  @Column({ name: 'dkim_private_key', type: 'text', nullable: true, select: true })
  dkimPrivateKey: string | null;
  @Column({ name: 'soft_bounce_limit', type: 'int', default: 3 }) softBounceLimit: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
