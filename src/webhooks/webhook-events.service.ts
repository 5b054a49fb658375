import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { DataSource, EntityManager } from 'typeorm';
import { JobName, QueueName } from '../queue/queue.constants';
import { AfterCommit } from './after-commit';
import { WebhookEventType } from './webhook-event-types';

/** Personal fields never enter the outbox: the address is looked up when the call is made. */
const PERSONAL_KEYS = new Set(['email', 'name', 'attributes', 'ip', 'userAgent']);

/**
 * The outbox write as CTEs, for hot paths that change a subscriber in one statement and should
 * not pay for a transaction: `source` names an earlier CTE returning the changed subscriber row
 * (`id`, `site_id`), `dataSql` a jsonb expression over it (`src`). Select
 * `ARRAY(SELECT id FROM wh_deliveries)::text[]` and pass the ids to `enqueue()` afterwards.
 */
export function outboxCte(type: WebhookEventType, source: string, dataSql: string): string {
  return `wh_hooks AS (
      SELECT w.id FROM webhooks w JOIN ${source} src ON w.site_id = src.site_id
      WHERE w.deleted_at IS NULL AND '${type}' = ANY(w.events)
    ), wh_event AS (
      INSERT INTO webhook_events (site_id, type, subscriber_id, data)
      SELECT src.site_id, '${type}', src.id, ${dataSql} FROM ${source} src WHERE EXISTS (SELECT 1 FROM wh_hooks)
      RETURNING id, seq, subscriber_id
    ), wh_deliveries AS (
      INSERT INTO webhook_deliveries (webhook_id, event_id, event_seq, subscriber_id, status)
      SELECT wh_hooks.id, wh_event.id, wh_event.seq, wh_event.subscriber_id, 'pending' FROM wh_hooks CROSS JOIN wh_event
      RETURNING id
    )`;
}

export const WEBHOOK_JOB_OPTIONS = { removeOnComplete: 1000, removeOnFail: 1000 } as const;

@Injectable()
export class WebhookEventsService {
  private readonly logger = new Logger(WebhookEventsService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly afterCommit: AfterCommit,
    @InjectQueue(QueueName.Webhooks) private readonly queue: Queue,
  ) {}

  /**
   * Records an event in the outbox with one delivery per webhook of the site that wants this
   * type, inside the caller's transaction when `manager` is given; the delivery jobs are
   * enqueued after commit. `data.subscriberId` ties the event to a subscriber (ordering, and
   * the address added at send time). Nothing is written when no webhook wants the event.
   */
  async emit(
    siteId: string,
    type: WebhookEventType,
    data: Record<string, unknown> = {},
    manager?: EntityManager,
  ): Promise<void> {
    const subscriberId = typeof data.subscriberId === 'string' ? data.subscriberId : null;
    const stored = Object.fromEntries(
      Object.entries(data).filter(([key]) => key !== 'subscriberId' && !PERSONAL_KEYS.has(key)),
    );
    // One statement: the common case (no webhook wants it) costs a single indexed lookup.
    const rows: { id: string }[] = await (manager ?? this.dataSource.manager).query(
      `WITH hooks AS (
         SELECT id FROM webhooks WHERE site_id = $1 AND deleted_at IS NULL AND $2 = ANY(events)
       ), event AS (
         INSERT INTO webhook_events (site_id, type, subscriber_id, data)
         SELECT $1, $2, $3, $4::jsonb WHERE EXISTS (SELECT 1 FROM hooks)
         RETURNING id, seq
       )
       INSERT INTO webhook_deliveries (webhook_id, event_id, event_seq, subscriber_id, status)
       SELECT hooks.id, event.id, event.seq, $3, 'pending' FROM hooks CROSS JOIN event
       RETURNING id`,
      [siteId, type, subscriberId, JSON.stringify(stored)],
    );
    if (rows.length === 0) return;
    await this.afterCommit.run(manager, () => this.enqueue(rows.map((row) => row.id)));
  }

  /** Enqueues deliveries by id; a Redis failure is logged, the recovery pass picks them up. */
  async enqueue(ids: string[], delayMs = 0): Promise<void> {
    if (ids.length === 0) return;
    try {
      await this.queue.addBulk(
        ids.map((webhookDeliveryId) => ({
          name: JobName.DeliverWebhook,
          data: { webhookDeliveryId },
          opts: { ...WEBHOOK_JOB_OPTIONS, delay: delayMs },
        })),
      );
    } catch (error) {
      this.logger.warn({ err: error }, 'Could not enqueue webhook deliveries; recovery will');
    }
  }
}
