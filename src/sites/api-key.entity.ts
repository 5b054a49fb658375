import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type KeyRole = 'backend' | 'marketing';
export const KEY_ROLES: KeyRole[] = ['backend', 'marketing'];

@Entity('api_keys')
export class ApiKey {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'site_id', type: 'uuid' }) siteId: string;
  @Column() name: string;
  @Column({ type: 'text' }) role: KeyRole;
  /** Public part of the key, indexed, used to find the row before comparing hashes. */
  @Column() prefix: string;
  /** SHA-256 of the whole key: keys carry 256 random bits, so a slow KDF adds nothing. */
  @Column() hash: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true }) revokedAt: Date | null;
}
