import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { conflict, notFound } from '../common/app-exception';
import { Principal } from '../common/auth/auth.types';
import { dkimColumns } from '../dkim/dkim-key';
import { CreateSiteDto, UpdateSiteDto } from './dto/site.dto';
import { Site } from './site.entity';

const UNIQUE_VIOLATION = '23505';

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
