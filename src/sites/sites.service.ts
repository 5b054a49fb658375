import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { conflict, notFound } from '../common/app-exception';
import { decodeCursor, Page, toPage } from '../common/pagination';
import { Principal } from '../common/auth/auth.types';
import { dkimColumns } from '../dkim/dkim-key';
import { CreateSiteDto, UpdateSiteDto } from './dto/site.dto';
import { Site } from './site.entity';

const UNIQUE_VIOLATION = '23505';
const isSlugCursor = (v: unknown): v is { slug: string } =>
  typeof v === 'object' && v !== null && typeof (v as { slug?: unknown }).slug === 'string';

@Injectable()
export class SitesService {
  constructor(@InjectRepository(Site) private readonly sites: Repository<Site>) {}

  findBySlug(slug: string): Promise<Site | null> {
    return this.sites.findOneBy({ slug });
  }

  async getById(id: string): Promise<Site> {
    const site = await this.sites.findOneBy({ id });
    if (!site) throw notFound('site_not_found', 'No such site');
    return site;
  }

  list(principal: Principal): Promise<Site[]> {
    const where = principal.kind === 'site' ? { id: principal.siteId } : {};
    return this.sites.find({ where, order: { slug: 'ASC' } });
  }

  /** The sites the principal sees, by slug, `limit` at a time. */
  async page(principal: Principal, limit = 100, cursor?: string): Promise<Page<Site>> {
    const after = decodeCursor(cursor, isSlugCursor);
    const qb = this.sites.createQueryBuilder('s').orderBy('s.slug', 'ASC').take(limit + 1);
    if (principal.kind === 'site') qb.andWhere('s.id = :id', { id: principal.siteId });
    if (after) qb.andWhere('s.slug > :slug', { slug: after.slug });
    return toPage(await qb.getMany(), limit, (site) => site, (site) => ({ slug: site.slug }));
  }

  async create(dto: CreateSiteDto): Promise<Site> {
    try {
      return await this.sites.save(this.sites.create({ ...dto, ...dkimColumns(dto.dkim), replyTo: dto.replyTo ?? null }));
    } catch (error) {
      throw this.slugConflict(error);
    }
  }

  async update(site: Site, dto: UpdateSiteDto): Promise<Site> {
    try {
      return await this.sites.save(this.sites.merge(site, dto, dkimColumns(dto.dkim)));
    } catch (error) {
      throw this.slugConflict(error);
    }
  }

  private slugConflict(error: unknown): unknown {
    return (error as { code?: string }).code === UNIQUE_VIOLATION
      ? conflict('slug_taken', 'A site with this slug exists already')
      : error;
  }
}
