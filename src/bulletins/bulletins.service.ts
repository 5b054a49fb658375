import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { conflict, notFound } from '../common/app-exception';
import { decodeCursor, isUuid, Page, toPage } from '../common/pagination';
import { BouncesService } from '../bounces/bounces.service';
import { updateReturning } from '../delivery/delivery-ledger';
import { TemplatesService } from '../mail/templates/templates.service';
import { Site } from '../sites/site.entity';
import { Bulletin } from './bulletin.entity';
import {
  BulletinDto,
  BulletinListQuery,
  BulletinStatsDto,
  CreateBulletinDto,
  EMPTY_STATS,
  mapBulletin,
  UpdateBulletinDto,
} from './dto/bulletin.dto';

type ListCursor = { c: string; i: string };
const isListCursor = (v: unknown): v is ListCursor =>
  typeof v === 'object' && v !== null && typeof (v as ListCursor).c === 'string' && isUuid((v as ListCursor).i);

/** Bulletins while they are drafts (create, read, edit, delete) and their stats. */
@Injectable()
export class BulletinsService {
  constructor(
    @InjectRepository(Bulletin) private readonly bulletins: Repository<Bulletin>,
    @InjectDataSource() private readonly db: DataSource,
    private readonly templates: TemplatesService,
    private readonly bounces: BouncesService,
  ) {}

  async create(site: Site, dto: CreateBulletinDto): Promise<BulletinDto> {
    this.check(dto);
    const saved = await this.bulletins.save(
      this.bulletins.create({ siteId: site.id, subject: dto.subject, html: dto.html, text: dto.text ?? null, status: 'draft' }),
    );
    return mapBulletin(saved);
  }

  async list(site: Site, query: BulletinListQuery): Promise<Page<BulletinDto>> {
    const limit = query.limit ?? 100;
    const after = decodeCursor(query.cursor, isListCursor);
    const qb = this.bulletins
      .createQueryBuilder('b')
      .where('b.site_id = :site', { site: site.id })
      .orderBy('b.created_at', 'DESC')
      .addOrderBy('b.id', 'DESC')
      .take(limit + 1);
    if (query.status) qb.andWhere('b.status = :status', { status: query.status });
    // The row's own timestamp keeps PostgreSQL's microseconds (the cursor's ISO string has only ms).
    if (after) {
      qb.andWhere('(b.created_at, b.id) < (COALESCE((SELECT c.created_at FROM bulletins c WHERE c.id = :i), :c), :i)', {
        c: after.c,
        i: after.i,
      });
    }
    const rows = await qb.getMany();
    const stats = await this.stats(rows.slice(0, limit).map((b) => b.id));
    return toPage(
      rows,
      limit,
      (b) => mapBulletin(b, stats.get(b.id)),
      (b) => ({ c: b.createdAt.toISOString(), i: b.id }),
    );
  }

  /** The bulletin of this site, or 404 `bulletin_not_found`. */
  async find(site: Site, id: string): Promise<Bulletin> {
    const bulletin = await this.bulletins.findOneBy({ id, siteId: site.id });
    if (!bulletin) throw notFound('bulletin_not_found', 'No such bulletin');
    return bulletin;
  }

  async get(site: Site, id: string): Promise<BulletinDto> {
    const bulletin = await this.find(site, id);
    return mapBulletin(bulletin, (await this.stats([id])).get(id));
  }

  /** Edits a draft. The status condition sits in the UPDATE itself, so a concurrent send wins cleanly. */
  async update(site: Site, id: string, dto: UpdateBulletinDto): Promise<BulletinDto> {
    this.check(dto);
    const set: Record<string, unknown> = {};
    if (dto.subject !== undefined) set.subject = dto.subject;
    if (dto.html !== undefined) set.html = dto.html;
    if (dto.text !== undefined) set.text = dto.text;
    const updated = await this.bulletins
      .createQueryBuilder()
      .update(Bulletin)
      .set({ ...set, updatedAt: () => 'now()' })
      .where('id = :id AND site_id = :site AND status = :draft', { id, site: site.id, draft: 'draft' })
      .returning('id')
      .execute();
    if (updated.affected === 0) await this.notDraft(site, id);
    return this.get(site, id);
  }

  async remove(site: Site, id: string): Promise<void> {
    const deleted = await this.bulletins.delete({ id, siteId: site.id, status: 'draft' });
    if (deleted.affected === 0) await this.notDraft(site, id);
  }

  /** Counters derived from the ledger (never kept by hand), for several bulletins in one query. */
  async stats(ids: string[]): Promise<Map<string, BulletinStatsDto>> {
    const result = new Map<string, BulletinStatsDto>();
    if (ids.length === 0) return result;
    const rows = await updateReturning<{ bulletin_id: string; status: string; n: string }>(
      this.db,
      `SELECT bulletin_id, status, count(*) AS n FROM deliveries WHERE bulletin_id = ANY($1::uuid[]) GROUP BY 1, 2`,
      [ids],
    );
    for (const row of rows) {
      const stats = result.get(row.bulletin_id) ?? { ...EMPTY_STATS };
      const n = Number(row.n);
      const key = row.status === 'sending' ? 'queued' : (row.status as keyof BulletinStatsDto);
      stats[key] += n;
      stats.total += n;
      result.set(row.bulletin_id, stats);
    }
    // Bounces and complaints arrive after sending and live in their own table (src/bounces).
    for (const [id, counts] of await this.bounces.bulletinCounts(ids)) {
      if (!counts.bounced && !counts.complained) continue;
      result.set(id, { ...(result.get(id) ?? EMPTY_STATS), ...counts });
    }
    return result;
  }

  private check(dto: UpdateBulletinDto): void {
    if (dto.subject !== undefined) this.templates.check(dto.subject, 'subject');
    if (dto.html !== undefined) this.templates.check(dto.html, 'html');
    if (dto.text !== undefined && dto.text !== null) this.templates.check(dto.text, 'text');
  }

  /** After a conditional write changed nothing: 404 when missing, else 409. */
  private async notDraft(site: Site, id: string): Promise<never> {
    await this.find(site, id);
    throw conflict('bulletin_not_draft', 'Only a draft bulletin can be changed or deleted');
  }
}
