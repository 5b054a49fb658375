import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { DataSource, IsNull, Repository } from 'typeorm';
import { poolQuery } from '../database/pool-query';
import { Page, pageOfSiteRows } from '../common/pagination';
import { notFound, unauthorized } from '../common/app-exception';
import { Principal, UncheckedSiteKey } from '../common/auth/auth.types';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config';
import { ApiKey, KeyRole } from './api-key.entity';
import { CreateApiKeyDto } from './dto/api-key.dto';
import { Site } from './site.entity';
import { rowToSite, siteSelect } from './site-row';

const KEY_PREFIX = 'vsk_';
const LOOKUP_LENGTH = 12;

const sha256 = (value: string) => createHash('sha256').update(value).digest();

const KEY_COLUMNS = 'k.id AS key_id, k.site_id AS key_site_id, k.role AS key_role, k.hash AS key_hash';
const KEY_SQL = `SELECT ${KEY_COLUMNS} FROM api_keys k WHERE k.prefix = $1 AND k.revoked_at IS NULL`;
const SITE_PREFIX = 'site_';
/** The site joins only when it is the key's own: another site's slug reads as no site (404). */
const KEY_AND_SITE_SQL = `SELECT ${KEY_COLUMNS}, ${siteSelect('s', SITE_PREFIX)}
  FROM api_keys k LEFT JOIN sites s ON s.id = k.site_id AND s.slug = $2
  WHERE k.prefix = $1 AND k.revoked_at IS NULL`;
const SITE_SQL = `SELECT ${siteSelect('s', '')} FROM sites s WHERE s.slug = $1`;

export interface KeyAndSite {
  principal: Principal;
  site?: Site | null;
}

@Injectable()
export class ApiKeysService {
  private readonly adminHash: Buffer | null;

  constructor(
    @InjectRepository(ApiKey) private readonly keys: Repository<ApiKey>,
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.adminHash = config.adminApiKey ? sha256(config.adminApiKey) : null;
  }

  /** Resolves a bearer key; revoked keys stop working on their next request (no cache). */
  async authenticate(key: string | null): Promise<Principal | null> {
    return (await this.authenticateFor(key))?.principal ?? null;
  }

  /**
   * The key and, when `slug` is given, the site it names, in one statement (the guard of every
   * authenticated route). Null: missing or unknown key (401). `site` is null when no such site
   * exists or it is not the key's own (404 either way); undefined without a slug. Nothing is
   * cached: a revoked key fails on its next request, a renamed site is found under its new slug.
   */
  async authenticateFor(key: string | null, slug?: string): Promise<KeyAndSite | null> {
    const parsed = this.parse(key);
    if (!parsed) return null;
    if (parsed === 'admin') {
      const principal: Principal = { kind: 'admin', keyId: null };
      if (slug === undefined) return { principal };
      const rows = await poolQuery<object>(this.db, SITE_SQL, [slug], 'vestnik_site_by_slug');
      return { principal, site: rows.length ? rowToSite(rows[0]) : null };
    }
    return this.siteKey(parsed, slug);
  }

  /**
   * What the key is without asking the database: the admin key, a site key still to be checked
   * (by the caller's own statement: `prefix` and `hash` must match an unrevoked key), or null
   * when it cannot be a key at all.
   */
  parse(key: string | null): 'admin' | { prefix: string; hash: string } | null {
    if (!key || key.length > 200) return null;
    const hash = sha256(key);
    if (this.isAdmin(hash)) return 'admin';
    if (!key.startsWith(KEY_PREFIX)) return null;
    return { prefix: key.slice(0, KEY_PREFIX.length + LOOKUP_LENGTH), hash: hash.toString('hex') };
  }

  /** For a key the guard did not look up: throws 401 unless it is a key, 404 unless of its site. */
  async refuseUnlessOwnKey(key: UncheckedSiteKey): Promise<void> {
    const found = await this.siteKey(key, key.slug);
    if (!found) throw unauthorized();
    if (!found.site) throw notFound('site_not_found', 'No such site');
  }

  /** A site key by its prefix, its hash compared in constant time, with the site `slug` names. */
  private async siteKey(key: { prefix: string; hash: string }, slug?: string): Promise<KeyAndSite | null> {
    const rows = await poolQuery<{ key_id: string; key_site_id: string; key_role: KeyRole; key_hash: string }>(
      this.db,
      slug === undefined ? KEY_SQL : KEY_AND_SITE_SQL,
      slug === undefined ? [key.prefix] : [key.prefix, slug],
      slug === undefined ? 'vestnik_key' : 'vestnik_key_site',
    );
    const row = rows[0];
    if (!row || !timingSafeEqual(Buffer.from(row.key_hash, 'hex'), Buffer.from(key.hash, 'hex'))) return null;
    const principal: Principal = { kind: 'site', keyId: row.key_id, siteId: row.key_site_id, role: row.key_role };
    return slug === undefined ? { principal } : { principal, site: rowToSite(row, SITE_PREFIX) };
  }

  private isAdmin(hash: Buffer): boolean {
    return this.adminHash !== null && timingSafeEqual(hash, this.adminHash);
  }

  async create(site: Site, dto: CreateApiKeyDto): Promise<{ key: ApiKey; secret: string }> {
    const secret = KEY_PREFIX + randomBytes(32).toString('base64url');
    const key = await this.keys.save(
      this.keys.create({
        siteId: site.id,
        name: dto.name,
        role: dto.role,
        prefix: secret.slice(0, KEY_PREFIX.length + LOOKUP_LENGTH),
        hash: sha256(secret).toString('hex'),
      }),
    );
    return { key, secret };
  }

  list(site: Site): Promise<ApiKey[]> {
    return this.keys.find({ where: { siteId: site.id }, order: { createdAt: 'ASC' } });
  }

  /** The site's keys, oldest first, `limit` at a time. */
  page(site: Site, limit = 100, cursor?: string): Promise<Page<ApiKey>> {
    const columns: [string, string][] = [['createdAt', 'created_at'], ['id', 'id']];
    return pageOfSiteRows(this.keys.createQueryBuilder('k'), 'api_keys', site.id, { columns, direction: 'ASC' }, limit, cursor);
  }

  async revoke(site: Site, id: string): Promise<void> {
    const result = await this.keys.update({ id, siteId: site.id, revokedAt: IsNull() }, { revokedAt: new Date() });
    if (!result.affected) {
      const exists = await this.keys.existsBy({ id, siteId: site.id });
      if (!exists) throw notFound('key_not_found', 'No such key');
    }
  }
}
