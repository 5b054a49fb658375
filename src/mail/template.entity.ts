import { Column, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type TemplateName = 'layout' | 'confirm' | 'notice';
export const TEMPLATE_NAMES: TemplateName[] = ['layout', 'confirm', 'notice'];

/** A site's replacement for a built-in template, per language. */
@Entity('templates')
export class Template {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'site_id', type: 'uuid' }) siteId: string;
  @Column({ type: 'text' }) name: TemplateName;
  @Column({ type: 'text' }) locale: string;
  @Column({ type: 'text', nullable: true }) subject: string | null;
  @Column({ type: 'text' }) html: string;
  @Column({ type: 'text', nullable: true }) text: string | null;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
