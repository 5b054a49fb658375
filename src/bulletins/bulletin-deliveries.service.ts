import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { decodeCursor, Page, toPage } from '../common/pagination';
import { Site } from '../sites/site.entity';
import { BulletinsService } from './bulletins.service';
import { DeliveryDto, DeliveryListQuery, DeliveryRow, mapDelivery } from './dto/delivery.dto';

type Cursor = { d: string };
const isCursor = (v: unknown): v is Cursor =>
  typeof v === 'object' && v !== null && typeof (v as Cursor).d === 'string' && /^\d{1,19}$/.test((v as Cursor).d);

/** The per-recipient ledger of a bulletin, by keyset over the delivery id. */
@Injectable()
export class BulletinDeliveriesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly bulletins: BulletinsService,
  ) {}

  async list(site: Site, bulletinId: string, query: DeliveryListQuery): Promise<Page<DeliveryDto>> {
    await this.bulletins.find(site, bulletinId);
    const limit = query.limit ?? 100;
    const after = decodeCursor(query.cursor, isCursor)?.d ?? '0';
    const statuses = query.status === 'queued' ? ['queued', 'sending'] : query.status ? [query.status] : null;
    // Plain SQL: the join and the bigint keyset are simpler here than through the query builder.
    const rows: DeliveryRow[] = await this.db.query(
      `SELECT d.id::text AS id, d.subscriber_id, s.email, d.status, d.attempts, d.error, d.sent_at, d.message_id
       FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
       WHERE d.bulletin_id = $1 AND d.id > $2 AND ($3::text[] IS NULL OR d.status = ANY($3::text[]))
       ORDER BY d.id LIMIT $4`,
      [bulletinId, after, statuses, limit + 1],
    );
    return toPage(rows, limit, mapDelivery, (row) => ({ d: row.id }));
  }
}
