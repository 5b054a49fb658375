import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Site } from '../sites/site.entity';
import { ExportBounceDto, ExportEventDto, ExportMessageDto, SubscriberExportDto } from './dto/export.dto';
import { mapSubscriber } from './dto/subscriber.dto';
import { SubscribersService } from './subscribers.service';

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** GET …/subscribers/{id}/export: everything stored about one person (right of access). */
@Injectable()
export class ExportService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly subscribers: SubscribersService,
  ) {}

  async execute(site: Site, id: string): Promise<SubscriberExportDto> {
    // get() is 404 for another site's id and for an erased subscriber.
    const subscriber = await this.subscribers.get(site, id);
    const events: ExportEventDto[] = (
      await this.db.query(
        `SELECT type, channel, created_at, ip, user_agent, source, policy_version, policy_sha256, api_key_id, bulletin_id, detail
           FROM subscriber_events WHERE subscriber_id = $1 AND site_id = $2 ORDER BY id`,
        [id, site.id],
      )
    ).map((e: Record<string, never>) => ({
      type: e.type,
      channel: e.channel,
      createdAt: iso(e.created_at),
      ip: e.ip,
      userAgent: e.user_agent,
      source: e.source,
      policyVersion: e.policy_version,
      policySha256: e.policy_sha256,
      apiKeyId: e.api_key_id,
      bulletinId: e.bulletin_id,
      detail: e.detail,
    }));
    // Bulletin deliveries, plus transactional and test messages (a test send has only the address).
    const messages: ExportMessageDto[] = (
      await this.db.query(
        `SELECT 'bulletin' AS kind, d.bulletin_id, b.subject, d.status, d.message_id, d.error, d.sent_at, d.updated_at AS at
           FROM deliveries d JOIN bulletins b ON b.id = d.bulletin_id
          WHERE d.subscriber_id = $1 AND b.site_id = $2
         UNION ALL
         SELECT m.kind, m.bulletin_id, m.subject, m.status, m.message_id, m.error, m.sent_at, m.created_at AS at
           FROM messages m
          WHERE m.site_id = $2 AND (m.subscriber_id = $1 OR lower(m.recipient) = $3)
         ORDER BY at`,
        [id, site.id, subscriber.emailNormalized],
      )
    ).map((m: Record<string, never>) => ({
      kind: m.kind,
      bulletinId: m.bulletin_id,
      subject: m.subject,
      status: m.status,
      messageId: m.message_id,
      error: m.error,
      sentAt: iso(m.sent_at),
    }));
    const bounces: ExportBounceDto[] = (
      await this.db.query(
        `SELECT type, source, reason, bulletin_id, created_at FROM bounces WHERE subscriber_id = $1 AND site_id = $2 ORDER BY id`,
        [id, site.id],
      )
    ).map((b: Record<string, never>) => ({
      type: b.type,
      source: b.source,
      reason: b.reason,
      bulletinId: b.bulletin_id,
      createdAt: iso(b.created_at),
    }));
    return { subscriber: mapSubscriber(subscriber), events, messages, bounces };
  }
}
