import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { IsNull, Repository } from 'typeorm';
import { notFound } from '../common/app-exception';
import { Principal } from '../common/auth/auth.types';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config';
import { ApiKey } from './api-key.entity';
import { CreateApiKeyDto } from './dto/api-key.dto';
import { Site } from './site.entity';

const KEY_PREFIX = 'vsk_';
const LOOKUP_LENGTH = 12;

const sha256 = (value: string) => createHash('sha256').update(value).digest();

@Injectable()
export class ApiKeysService {
  private readonly adminHash: Buffer | null;

  constructor(
    @InjectRepository(ApiKey) private readonly keys: Repository<ApiKey>,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.adminHash = config.adminApiKey ? sha256(config.adminApiKey) : null;
  }

  /** Resolves a bearer key; revoked keys stop working on their next request (no cache). */
  async authenticate(key: string | null): Promise<Principal | null> {
    if (!key || key.length > 200) return null;
    const hash = sha256(key);
    if (this.adminHash && timingSafeEqual(hash, this.adminHash)) return { kind: 'admin', keyId: null };
    if (!key.startsWith(KEY_PREFIX)) return null;
    const row = await this.keys.findOneBy({
      prefix: key.slice(0, KEY_PREFIX.length + LOOKUP_LENGTH),
      revokedAt: IsNull(),
    });
    if (!row || !timingSafeEqual(Buffer.from(row.hash, 'hex'), hash)) return null;
    return { kind: 'site', keyId: row.id, siteId: row.siteId, role: row.role };
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

  async revoke(site: Site, id: string): Promise<void> {
    const result = await this.keys.update({ id, siteId: site.id, revokedAt: IsNull() }, { revokedAt: new Date() });
    if (!result.affected) {
      const exists = await this.keys.existsBy({ id, siteId: site.id });
      if (!exists) throw notFound('key_not_found', 'No such key');
    }
  }
}
