import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Principal } from '../common/auth/auth.types';
import { Site } from '../sites/site.entity';
import { subscriberNotFound } from './subscribers.service';
import { SuppressionHasher } from './suppression-hasher';
import { WebhookEventsService } from '../webhooks/webhook-events.service';

/**
 * DELETE …/subscribers/{id} (right to erasure). The row stays, blanked, so the consent ledger
 * keeps its shape and the erasure itself is on record; personal data goes from every table
 * that can hold it, in one transaction. A keyed hash of the address is kept in `suppressions`
 * so no import brings the person back, and status `unsubscribed` keeps every bulletin away.
 */
@Injectable()
export class ErasureService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly hasher: SuppressionHasher,
    private readonly webhooks: WebhookEventsService,
  ) {}

  async execute(site: Site, principal: Principal, id: string): Promise<void> {
    await this.db.transaction(async (m) => {
      const rows: { email_normalized: string }[] = await m.query(
        `SELECT email_normalized FROM subscribers WHERE id = $1 AND site_id = $2 AND erased_at IS NULL FOR UPDATE`,
        [id, site.id],
      );
      if (!rows.length) throw subscriberNotFound();
      const address = rows[0].email_normalized;

      await m.query(
        `INSERT INTO suppressions (site_id, email_hash, reason) VALUES ($1, $2, 'erased') ON CONFLICT DO NOTHING`,
        [site.id, this.hasher.primary(address)],
      );
      // Ledger rows stay; their personal fields do not (detail may quote bounce texts).
      await m.query(
        `UPDATE subscriber_events SET ip = NULL, user_agent = NULL, detail = NULL WHERE subscriber_id = $1`,
        [id],
      );
      // Rendered subjects and SMTP errors can contain the name or the address.
      await m.query(
        `UPDATE messages SET recipient = NULL, subject = NULL, error = NULL
          WHERE site_id = $2 AND (subscriber_id = $1 OR lower(recipient) = $3)`,
        [id, site.id, address],
      );
      // A delivery being sent is skipped too: the worker's outcome for it (which may quote the
      // address in an SMTP error) then finds it no longer `sending` and writes nothing.
      await m.query(
        `UPDATE deliveries SET error = CASE WHEN status IN ('queued', 'sending') THEN 'subscriber erased' END,
                status = CASE WHEN status IN ('queued', 'sending') THEN 'skipped' ELSE status END, updated_at = now()
          WHERE subscriber_id = $1`,
        [id],
      );
      // The development mailbox keeps whole messages; to_address may be a list or `Name <addr>`.
      await m.query(`DELETE FROM dev_mail WHERE lower(to_address) ~ $1`, [
        `(^|[\\s<,;])${address.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[\\s>,;])`,
      ]);
      await m.query(
        `UPDATE subscribers SET email = NULL, email_normalized = NULL, name = NULL, locale = NULL,
                attributes = '{}'::jsonb, status = 'unsubscribed', unsubscribed_at = COALESCE(unsubscribed_at, now()),
                erased_at = now(), confirm_sent_at = NULL, updated_at = now()
          WHERE id = $1`,
        [id],
      );
      await m.query(
        `INSERT INTO subscriber_events (site_id, subscriber_id, type, channel, api_key_id) VALUES ($1, $2, 'erased', 'api', $3)`,
        [site.id, id, principal.keyId],
      );
      // Bounce texts are masked when stored, but may still quote a name.
      await m.query(`UPDATE bounces SET reason = NULL WHERE subscriber_id = $1`, [id]);
      // Carries the id only; the address is already gone from the row the call reads.
      await this.webhooks.emit(site.id, 'subscriber.erased', { subscriberId: id }, m);
    });
  }
}
