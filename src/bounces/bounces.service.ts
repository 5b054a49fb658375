import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { checkEmail } from '../subscribers/email-address';
import { SubscriberStatus } from '../subscribers/subscriber.entity';
import { WebhookEventsService } from '../webhooks/webhook-events.service';
import { BounceSource, BounceType } from './bounce.entity';
import { bareMessageId, enhancedStatus, ParsedBounce } from './providers/parsed-bounce';

export const SOFT_BOUNCE_WINDOW_DAYS = 30;

export interface BounceOutcome {
  matched: boolean;
  subscriberId: string | null;
  /** The subscriber's status after the bounce; null when nobody matched. */
  status: SubscriberStatus | null;
}

interface Target {
  subscriberId: string;
  bulletinId: string | null;
}

const UNMATCHED: BounceOutcome = { matched: false, subscriberId: null, status: null };

/** Addresses stay out of stored reasons: bounce texts often quote the recipient. */
export function maskAddresses(reason: string | null | undefined): string | null {
  if (!reason) return null;
  return reason.replace(/<?[^\s<>"'(),;:]+@[^\s<>"'(),;:]+>?/g, '<address>').slice(0, 1000);
}

/**
 * The bounce rules: match the message (Message-ID first, then the address within the site),
 * record the bounce once, and stop mail at once for a hard bounce or a complaint, or after the
 * site's soft-bounce limit within 30 days.
 */
@Injectable()
export class BouncesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly webhookEvents: WebhookEventsService,
  ) {}

  async record(siteId: string, bounce: ParsedBounce, source: BounceSource): Promise<BounceOutcome> {
    const target = await this.match(siteId, bounce);
    if (!target) return UNMATCHED;
    return this.dataSource.transaction((manager) => this.apply(manager, siteId, target, bounce, source));
  }

  /**
   * For the send path: an SMTP answer with an enhanced status 5.1.x (no such user, bad domain)
   * during sending is a hard bounce. Returns whether it counted as one.
   */
  async recordSmtpRejection(params: {
    siteId: string;
    subscriberId: string;
    bulletinId?: string | null;
    response: string;
  }): Promise<boolean> {
    const status = enhancedStatus(params.response);
    if (!status || !/^5\.1\./.test(status)) return false;
    const bounce: ParsedBounce = { type: 'hard', reason: params.response };
    const target = { subscriberId: params.subscriberId, bulletinId: params.bulletinId ?? null };
    await this.dataSource.transaction((manager) => this.apply(manager, params.siteId, target, bounce, 'smtp'));
    return true;
  }

  /** `bounced` (hard or soft) and `complained`: distinct subscribers per bulletin. */
  async bulletinCounts(bulletinIds: string[]): Promise<Map<string, { bounced: number; complained: number }>> {
    const counts = new Map(bulletinIds.map((id) => [id, { bounced: 0, complained: 0 }]));
    if (bulletinIds.length === 0) return counts;
    const rows: { bulletin_id: string; bounced: number; complained: number }[] = await this.dataSource.query(
      `SELECT bulletin_id,
              count(DISTINCT subscriber_id) FILTER (WHERE type <> 'complaint')::int AS bounced,
              count(DISTINCT subscriber_id) FILTER (WHERE type = 'complaint')::int AS complained
       FROM bounces WHERE bulletin_id = ANY($1::uuid[]) GROUP BY bulletin_id`,
      [bulletinIds],
    );
    for (const row of rows) counts.set(row.bulletin_id, { bounced: row.bounced, complained: row.complained });
    return counts;
  }

  private async match(siteId: string, bounce: ParsedBounce): Promise<Target | null> {
    const bare = bareMessageId(bounce.messageId);
    if (bare) {
      const ids = [bare, `<${bare}>`];
      const byDelivery: { subscriber_id: string; bulletin_id: string }[] = await this.dataSource.query(
        `SELECT d.subscriber_id, d.bulletin_id FROM deliveries d JOIN bulletins b ON b.id = d.bulletin_id
         WHERE d.message_id = ANY($2::text[]) AND b.site_id = $1 LIMIT 1`,
        [siteId, ids],
      );
      if (byDelivery[0]) return { subscriberId: byDelivery[0].subscriber_id, bulletinId: byDelivery[0].bulletin_id };
      const byMessage: { subscriber_id: string; bulletin_id: string | null }[] = await this.dataSource.query(
        `SELECT subscriber_id, bulletin_id FROM messages
         WHERE message_id = ANY($2::text[]) AND site_id = $1 AND subscriber_id IS NOT NULL LIMIT 1`,
        [siteId, ids],
      );
      if (byMessage[0]) return { subscriberId: byMessage[0].subscriber_id, bulletinId: byMessage[0].bulletin_id };
    }
    const email = bounce.email ? checkEmail(bounce.email) : null;
    if (!email?.ok) return null;
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM subscribers WHERE site_id = $1 AND email_normalized = $2`,
      [siteId, email.value.normalized],
    );
    return rows[0] ? { subscriberId: rows[0].id, bulletinId: null } : null;
  }

  private async apply(
    manager: EntityManager,
    siteId: string,
    target: Target,
    bounce: ParsedBounce,
    source: BounceSource,
  ): Promise<BounceOutcome> {
    const [subscriber]: { status: SubscriberStatus; soft_bounce_limit: number }[] = await manager.query(
      `SELECT s.status, site.soft_bounce_limit FROM subscribers s JOIN sites site ON site.id = s.site_id
       WHERE s.id = $1 AND s.site_id = $2 AND s.erased_at IS NULL FOR UPDATE OF s`,
      [target.subscriberId, siteId],
    );
    if (!subscriber) return UNMATCHED;
    const outcome = { matched: true, subscriberId: target.subscriberId, status: subscriber.status };
    const inserted: unknown[] = await manager.query(
      `INSERT INTO bounces (site_id, subscriber_id, bulletin_id, type, source, reason, provider_event_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (site_id, source, provider_event_id) WHERE provider_event_id IS NOT NULL DO NOTHING
       RETURNING id`,
      [siteId, target.subscriberId, target.bulletinId, bounce.type, source, maskAddresses(bounce.reason), bounce.providerEventId?.slice(0, 500) ?? null],
    );
    if (inserted.length === 0) return outcome; // a provider's retry of a notification already counted
    const next = await this.nextStatus(manager, target.subscriberId, subscriber.status, bounce.type, subscriber.soft_bounce_limit);
    if (!next) return outcome;
    await manager.query(`UPDATE subscribers SET status = $2, updated_at = now() WHERE id = $1`, [target.subscriberId, next]);
    const detail = { bounceType: bounce.type, source, reason: maskAddresses(bounce.reason) };
    await manager.query(
      `INSERT INTO subscriber_events (site_id, subscriber_id, type, channel, bulletin_id, detail)
       VALUES ($1, $2, $3, 'bounce', $4, $5::jsonb)`,
      [siteId, target.subscriberId, next, target.bulletinId, JSON.stringify(detail)],
    );
    await this.webhookEvents.emit(
      siteId,
      next === 'complained' ? 'subscriber.complained' : 'subscriber.bounced',
      { subscriberId: target.subscriberId, status: next, bulletinId: target.bulletinId, ...detail },
      manager,
    );
    return { ...outcome, status: next };
  }

  private async nextStatus(
    manager: EntityManager,
    subscriberId: string,
    current: SubscriberStatus,
    type: BounceType,
    softLimit: number,
  ): Promise<SubscriberStatus | null> {
    if (type === 'complaint') return ['pending', 'active', 'bounced'].includes(current) ? 'complained' : null;
    if (current !== 'pending' && current !== 'active') return null;
    if (type === 'hard') return 'bounced';
    const [{ n }]: { n: number }[] = await manager.query(
      `SELECT count(*)::int AS n FROM bounces
       WHERE subscriber_id = $1 AND type = 'soft' AND created_at > now() - make_interval(days => $2)`,
      [subscriberId, SOFT_BOUNCE_WINDOW_DAYS],
    );
    return n >= softLimit ? 'bounced' : null;
  }
}
