import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** Per-site secrets that authenticate provider notifications (kept in clear: HMAC keys must be). */
@Entity('bounce_settings')
export class BounceSettings {
  @PrimaryColumn({ name: 'site_id', type: 'uuid' }) siteId: string;
  /** SNS topics whose notifications this site accepts; SNS signs for every topic, so this is the real check. */
  @Column({ name: 'ses_topic_arns', type: 'text', array: true, default: () => "'{}'" }) sesTopicArns: string[];
  @Column({ name: 'postmark_username', type: 'text', nullable: true }) postmarkUsername: string | null;
  @Column({ name: 'postmark_password', type: 'text', nullable: true }) postmarkPassword: string | null;
  @Column({ name: 'mailgun_signing_key', type: 'text', nullable: true }) mailgunSigningKey: string | null;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
