import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity('policies')
export class Policy {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'site_id', type: 'uuid' }) siteId: string;
  @Column() version: string;
  @Column({ type: 'text', nullable: true }) url: string | null;
  @Column({ type: 'text', nullable: true }) text: string | null;
  @Column({ name: 'text_sha256', type: 'text', nullable: true }) textSha256: string | null;
  @Column({ name: 'published_at', type: 'timestamptz' }) publishedAt: Date;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
