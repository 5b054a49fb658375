import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { badRequest, notFound } from '../common/app-exception';
import { Principal } from '../common/auth/auth.types';
import { decodeCursor, isUuid, Page, toPage } from '../common/pagination';
import { Site } from '../sites/site.entity';
import {
  ListSubscribersQuery,
  mapSubscriber,
  SubscriberDto,
  UpdateSubscriberDto,
} from './dto/subscriber.dto';
import { checkEmail } from './email-address';
import { Subscriber } from './subscriber.entity';
import { rowToSubscriber, SubscriberRow } from './subscriber-row';
import { SubscriptionStateService } from './subscription-state.service';

export const subscriberNotFound = () => notFound('subscriber_not_found', 'No such subscriber');

/** Reading and editing subscribers of one site. Every query carries the site id; erased rows are invisible. */
@Injectable()
export class SubscribersService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly state: SubscriptionStateService,
  ) {}

  async get(site: Site, id: string): Promise<Subscriber> {
    const rows: SubscriberRow[] = await this.db.query(
      `SELECT * FROM subscribers WHERE id = $1 AND site_id = $2 AND erased_at IS NULL`,
      [id, site.id],
    );
    if (!rows.length) throw subscriberNotFound();
    return rowToSubscriber(rows[0]);
  }

  /** Keyset pagination on id; the (site_id, status, id) and (site_id, id) indexes serve both filters. */
  async list(site: Site, query: ListSubscribersQuery): Promise<Page<SubscriberDto>> {
    const limit = query.limit ?? 100;
    const after = decodeCursor(query.cursor, isUuid);
    const params: unknown[] = [site.id];
    const where = ['site_id = $1', 'erased_at IS NULL'];
    if (query.status) where.push(`status = $${params.push(query.status)}`);
    if (query.email !== undefined) {
      const checked = checkEmail(query.email);
      if (!checked.ok) throw badRequest('invalid_email', checked.reason, { fields: ['email'] });
      where.push(`email_normalized = $${params.push(checked.value.normalized)}`);
    }
    if (after) where.push(`id > $${params.push(after)}`);
    const rows: SubscriberRow[] = await this.db.query(
      `SELECT * FROM subscribers WHERE ${where.join(' AND ')} ORDER BY id LIMIT $${params.push(limit + 1)}`,
      params,
    );
    return toPage(
      rows,
      limit,
      (row) => mapSubscriber(rowToSubscriber(row)),
      (row) => row.id,
    );
  }

  /** name/locale replace; attributes merge, a null value removing its key. Logged as an `updated` event. */
  async update(
    site: Site,
    principal: Principal,
    id: string,
    dto: UpdateSubscriberDto,
  ): Promise<Subscriber> {
    const fields = Object.keys(dto).filter(
      (key) => dto[key as keyof UpdateSubscriberDto] !== undefined,
    );
    const rows: SubscriberRow[] = await this.db.query(
      `WITH upd AS (
         UPDATE subscribers SET
           name = CASE WHEN $3 THEN $4 ELSE name END,
           locale = CASE WHEN $5 THEN $6 ELSE locale END,
           attributes = jsonb_strip_nulls(attributes || $7::jsonb),
           updated_at = now()
         WHERE id = $1 AND site_id = $2 AND erased_at IS NULL
         RETURNING *
       ), ev AS (
         INSERT INTO subscriber_events (site_id, subscriber_id, type, channel, api_key_id, detail)
         SELECT site_id, id, 'updated', 'api', $8, $9::jsonb FROM upd
       )
       SELECT * FROM upd`,
      [
        id,
        site.id,
        dto.name !== undefined,
        dto.name ?? null,
        dto.locale !== undefined,
        dto.locale ?? null,
        JSON.stringify(dto.attributes ?? {}),
        principal.keyId,
        JSON.stringify({ fields }),
      ],
    );
    if (!rows.length) throw subscriberNotFound();
    return rowToSubscriber(rows[0]);
  }

  async unsubscribe(site: Site, principal: Principal, id: string): Promise<Subscriber> {
    const { subscriber } = await this.state.unsubscribe(site.id, id, 'api', {
      apiKeyId: principal.keyId,
    });
    if (!subscriber) throw subscriberNotFound();
    return subscriber;
  }
}
