import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { DataSource, IsNull, Repository } from 'typeorm';
import { badRequest, notFound } from '../common/app-exception';
import { decodeCursor, isIdCursor, Page, toPage } from '../common/pagination';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import {
  CreateWebhookDto,
  DeliveryRow,
  mapWebhook,
  mapWebhookDelivery,
  WebhookDeliveriesQuery,
  WebhookDeliveryDto,
  WebhookDto,
} from './dto/webhook.dto';
import { checkWebhookUrl } from './ssrf-guard';
import { Webhook } from './webhook.entity';
import { WebhookDelivery } from './webhook-delivery.entity';

/** Enough for any real integration; keeps a site from fanning one event out without bound. */
export const MAX_WEBHOOKS_PER_SITE = 20;

const isSeqCursor = (v: unknown): v is { s: string } =>
  typeof v === 'object' && v !== null && typeof (v as { s?: unknown }).s === 'string' && /^\d{1,19}$/.test((v as { s: string }).s);

@Injectable()
export class WebhooksService {
  constructor(
    @InjectRepository(Webhook) private readonly webhooks: Repository<Webhook>,
    @InjectRepository(WebhookDelivery) private readonly deliveryRepo: Repository<WebhookDelivery>,
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(siteId: string, dto: CreateWebhookDto): Promise<Webhook> {
    const refused = await checkWebhookUrl(dto.url, this.config.webhooksAllowPrivate);
    if (refused) throw badRequest('webhook_url_not_allowed', refused, { fields: ['url'] });
    const count = await this.webhooks.countBy({ siteId, deletedAt: IsNull() });
    if (count >= MAX_WEBHOOKS_PER_SITE) {
      throw badRequest('too_many_webhooks', `A site may have at most ${MAX_WEBHOOKS_PER_SITE} webhooks`);
    }
    const secret = `whsec_${randomBytes(32).toString('base64url')}`;
    return this.webhooks.save(this.webhooks.create({ siteId, url: dto.url, events: dto.events, secret }));
  }

  async list(siteId: string, limit = 100, cursor?: string): Promise<Page<WebhookDto>> {
    const after = decodeCursor(cursor, isIdCursor);
    const qb = this.webhooks
      .createQueryBuilder('w')
      .where('w.site_id = :siteId AND w.deleted_at IS NULL', { siteId })
      .orderBy('w.id', 'ASC')
      .take(limit + 1);
    if (after) qb.andWhere('w.id > :id', { id: after.id });
    return toPage(await qb.getMany(), limit, mapWebhook, (w) => ({ id: w.id }));
  }

  async get(siteId: string, id: string): Promise<Webhook> {
    const webhook = await this.webhooks.findOneBy({ id, siteId, deletedAt: IsNull() });
    if (!webhook) throw notFound('webhook_not_found', 'No such webhook');
    return webhook;
  }

  /** Soft delete: the log stays readable to the operator; open deliveries are given up. */
  async remove(siteId: string, id: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const result = await manager.update(Webhook, { id, siteId, deletedAt: IsNull() }, { deletedAt: new Date() });
      if (!result.affected) throw notFound('webhook_not_found', 'No such webhook');
      await manager.query(
        `UPDATE webhook_deliveries SET status = 'failed', error = 'webhook deleted', updated_at = now()
         WHERE webhook_id = $1 AND status = 'pending'`,
        [id],
      );
    });
  }

  /** Newest first, by event order. */
  async deliveries(siteId: string, id: string, query: WebhookDeliveriesQuery): Promise<Page<WebhookDeliveryDto>> {
    await this.get(siteId, id);
    const limit = query.limit ?? 100;
    const after = decodeCursor(query.cursor, isSeqCursor);
    const qb = this.deliveryRepo
      .createQueryBuilder('d')
      .innerJoin('webhook_events', 'e', 'e.id = d.event_id')
      .addSelect('e.type', 'event_type')
      .where('d.webhook_id = :id', { id })
      .orderBy('d.event_seq', 'DESC')
      .limit(limit + 1);
    if (query.status) qb.andWhere('d.status = :status', { status: query.status });
    if (after) qb.andWhere('d.event_seq < :seq', { seq: after.s });
    const { entities, raw } = await qb.getRawAndEntities<{ event_type: DeliveryRow['eventType'] }>();
    const rows: DeliveryRow[] = entities.map((entity, i) => Object.assign(entity, { eventType: raw[i].event_type }));
    return toPage(rows, limit, mapWebhookDelivery, (row) => ({ s: String(row.eventSeq) }));
  }
}
