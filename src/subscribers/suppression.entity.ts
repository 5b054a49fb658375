import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** Keyed hashes of erased addresses: no import or bulletin may reach them again. */
@Entity('suppressions')
export class Suppression {
  @PrimaryColumn({ name: 'site_id', type: 'uuid' }) siteId: string;
  @PrimaryColumn({ name: 'email_hash' }) emailHash: string;
  @Column({ type: 'text' }) reason: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
