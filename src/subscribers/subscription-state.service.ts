import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { poolQuery } from '../database/pool-query';
import { outboxCte, WebhookEventsService } from '../webhooks/webhook-events.service';
import { EventChannel } from './subscriber-event.entity';
import { Subscriber } from './subscriber.entity';
import { rowToSubscriber, SUBSCRIBER_COLUMNS, SubscriberRow } from './subscriber-row';
import { Site } from '../sites/site.entity';
import { rowToSite, siteSelect } from '../sites/site-row';

const SITE_PREFIX = 'site__';
/** The end of a SELECT over `upd` that adds the subscriber's site (`site__` columns). */
const WITH_SITE = `, ${siteSelect('s', SITE_PREFIX)} FROM upd LEFT JOIN sites s ON s.id = upd.site_id`;

export interface ConfirmMeta {
  ip?: string | null;
  userAgent?: string | null;
}

export interface UnsubscribeMeta {
  ip?: string | null;
  userAgent?: string | null;
  bulletinId?: string | null;
  apiKeyId?: string | null;
  source?: string | null;
}

export interface StateChange {
  /** The subscriber after the call; null when erased, missing or of another site. */
  subscriber: Subscriber | null;
  /** False when the subscriber was already in the target state (no event written). */
  changed: boolean;
}

/**
 * Status transitions shared by the API, the public pages and the bounce handling.
 * Each one is a single statement (a data-modifying CTE: conditional UPDATE … RETURNING plus
 * the ledger INSERT), so PostgreSQL runs both atomically, two concurrent calls cannot both
 * win, and the change is committed before the promise resolves.
 */
@Injectable()
export class SubscriptionStateService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly webhooks: WebhookEventsService,
  ) {}

  /** pending → active. The event repeats the policy version the person registered under. */
  async confirm(siteId: string, subscriberId: string, meta: ConfirmMeta): Promise<StateChange> {
    // The webhook outbox rows are written by the same statement (one round trip, atomic).
    const rows: (SubscriberRow & { webhook_deliveries: string[] })[] = await this.db.query(
      `WITH upd AS (
         UPDATE subscribers SET status = 'active', confirmed_at = now(), updated_at = now()
          WHERE id = $1 AND site_id = $2 AND status = 'pending' AND erased_at IS NULL
          RETURNING *
       ), ev AS (
         INSERT INTO subscriber_events (site_id, subscriber_id, type, channel, ip, user_agent, policy_version, policy_sha256)
         SELECT upd.site_id, upd.id, 'confirmed', 'page', $3, $4, reg.policy_version, reg.policy_sha256
           FROM upd
           LEFT JOIN LATERAL (
             SELECT policy_version, policy_sha256 FROM subscriber_events
              WHERE subscriber_id = upd.id AND type = 'registered'
              ORDER BY id DESC LIMIT 1
           ) reg ON true
       ), ${outboxCte('subscriber.confirmed', 'upd', `jsonb_build_object('status', 'active')`)}
       SELECT upd.*, ARRAY(SELECT id FROM wh_deliveries)::text[] AS webhook_deliveries FROM upd`,
      [subscriberId, siteId, meta.ip ?? null, meta.userAgent ?? null],
    );
    if (rows.length) await this.webhooks.enqueue(rows[0].webhook_deliveries);
    if (rows.length) return { subscriber: rowToSubscriber(rows[0]), changed: true };
    return { subscriber: await this.current(siteId, subscriberId), changed: false };
  }

  /** Any status but unsubscribed → unsubscribed, with the channel it came through. Idempotent. */
  async unsubscribe(
    siteId: string,
    subscriberId: string,
    channel: EventChannel,
    meta: UnsubscribeMeta,
  ): Promise<StateChange> {
    const { subscriber, changed } = await this.unsubscribeRow(siteId, subscriberId, channel, meta, false);
    return { subscriber, changed };
  }

  /**
   * `unsubscribe()` that also returns the subscriber's site, read by the same statement (the
   * public page needs both; one round trip instead of two). `site` is null with the subscriber.
   */
  unsubscribeWithSite(
    siteId: string,
    subscriberId: string,
    channel: EventChannel,
    meta: UnsubscribeMeta,
  ): Promise<StateChange & { site: Site | null }> {
    return this.unsubscribeRow(siteId, subscriberId, channel, meta, true);
  }

  private async unsubscribeRow(
    siteId: string,
    subscriberId: string,
    channel: EventChannel,
    meta: UnsubscribeMeta,
    withSite: boolean,
  ): Promise<StateChange & { site: Site | null }> {
    const rows = await poolQuery<SubscriberRow & { webhook_deliveries: string[] }>(
      this.db,
      `WITH upd AS (
         UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = now(), updated_at = now()
          WHERE id = $1 AND site_id = $2 AND status <> 'unsubscribed' AND erased_at IS NULL
          RETURNING ${SUBSCRIBER_COLUMNS}
       ), ev AS (
         INSERT INTO subscriber_events (site_id, subscriber_id, type, channel, ip, user_agent, source, api_key_id, bulletin_id)
         SELECT site_id, id, 'unsubscribed', $3, $4, $5, $6, $7, $8 FROM upd
       ), ${outboxCte(
         'subscriber.unsubscribed',
         'upd',
         `jsonb_build_object('status', 'unsubscribed', 'channel', $3::text, 'bulletinId', $8::uuid)`,
       )}
       SELECT upd.*, ARRAY(SELECT id FROM wh_deliveries)::text[] AS webhook_deliveries${withSite ? WITH_SITE : ' FROM upd'}`,
      [
        subscriberId,
        siteId,
        channel,
        meta.ip ?? null,
        meta.userAgent ?? null,
        meta.source ?? null,
        meta.apiKeyId ?? null,
        meta.bulletinId ?? null,
      ],
      withSite ? 'vestnik_unsubscribe_site' : 'vestnik_unsubscribe',
    );
    if (rows.length) await this.webhooks.enqueue(rows[0].webhook_deliveries);
    if (rows.length) {
      const site = withSite ? rowToSite(rows[0], SITE_PREFIX) : null;
      return { subscriber: rowToSubscriber(rows[0]), changed: true, site };
    }
    if (!withSite) return { subscriber: await this.current(siteId, subscriberId), changed: false, site: null };
    // Already unsubscribed (or erased, or not there): the current row and its site, one statement.
    const current = await poolQuery<SubscriberRow>(
      this.db,
      `WITH upd AS (SELECT * FROM subscribers WHERE id = $1 AND site_id = $2 AND erased_at IS NULL)
       SELECT upd.*${WITH_SITE}`,
      [subscriberId, siteId],
    );
    if (!current.length) return { subscriber: null, changed: false, site: null };
    return { subscriber: rowToSubscriber(current[0]), changed: false, site: rowToSite(current[0], SITE_PREFIX) };
  }

  private async current(siteId: string, subscriberId: string): Promise<Subscriber | null> {
    const rows: SubscriberRow[] = await this.db.query(
      `SELECT * FROM subscribers WHERE id = $1 AND site_id = $2 AND erased_at IS NULL`,
      [subscriberId, siteId],
    );
    return rows.length ? rowToSubscriber(rows[0]) : null;
  }
}
