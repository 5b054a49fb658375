import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { LessThanOrEqual, Repository } from 'typeorm';
import { badRequest, conflict } from '../common/app-exception';
import { Page, pageOfSiteRows } from '../common/pagination';
import { CreatePolicyDto } from './dto/policy.dto';
import { Policy } from './policy.entity';
import { Site } from './site.entity';

@Injectable()
export class PoliciesService {
  constructor(@InjectRepository(Policy) private readonly policies: Repository<Policy>) {}

  async create(site: Site, dto: CreatePolicyDto): Promise<Policy> {
    if (await this.policies.existsBy({ siteId: site.id, version: dto.version })) {
      throw conflict('policy_version_taken', 'This policy version exists already');
    }
    return this.policies.save(
      this.policies.create({
        siteId: site.id,
        version: dto.version,
        url: dto.url ?? null,
        text: dto.text ?? null,
        textSha256: dto.text ? createHash('sha256').update(dto.text, 'utf8').digest('hex') : null,
        publishedAt: dto.publishedAt ? new Date(dto.publishedAt) : new Date(),
      }),
    );
  }

  list(site: Site): Promise<Policy[]> {
    return this.policies.find({ where: { siteId: site.id }, order: { publishedAt: 'DESC', createdAt: 'DESC' } });
  }

  /** The site's policies, newest first, `limit` at a time. */
  page(site: Site, limit = 100, cursor?: string): Promise<Page<Policy>> {
    const columns: [string, string][] = [['publishedAt', 'published_at'], ['createdAt', 'created_at'], ['id', 'id']];
    return pageOfSiteRows(this.policies.createQueryBuilder('p'), 'policies', site.id, { columns, direction: 'DESC' }, limit, cursor);
  }

  /** The newest version already published. */
  current(siteId: string): Promise<Policy | null> {
    return this.policies.findOne({
      where: { siteId, publishedAt: LessThanOrEqual(new Date()) },
      order: { publishedAt: 'DESC', createdAt: 'DESC' },
    });
  }

  /**
   * The policy a registration agrees to: the named version, or the current one.
   * A version the site does not have is 400 `unknown_policy_version`.
   */
  async resolve(siteId: string, version: string | undefined): Promise<Policy | null> {
    if (version === undefined) return this.current(siteId);
    const policy = await this.policies.findOneBy({ siteId, version });
    if (!policy) throw badRequest('unknown_policy_version', `Policy version "${version}" is not known for this site`);
    return policy;
  }
}
