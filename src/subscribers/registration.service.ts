import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { DataSource, EntityManager } from 'typeorm';
import { badRequest, conflict } from '../common/app-exception';
import { Principal } from '../common/auth/auth.types';
import { JobName, QueueName } from '../queue/queue.constants';
import { PoliciesService } from '../sites/policies.service';
import { Site } from '../sites/site.entity';
import { RegisterSubscriberDto } from './dto/subscriber.dto';
import { checkEmail } from './email-address';
import { addOrFail } from './queue-guard';
import { Subscriber } from './subscriber.entity';
import { rowToSubscriber, SubscriberRow } from './subscriber-row';
import { SuppressionHasher } from './suppression-hasher';
import { WebhookEventsService } from '../webhooks/webhook-events.service';

/** What a registration did; `created` decides between 201 and 200. */
export type RegistrationOutcome = 'created' | 'resubscribed' | 'confirm_resent' | 'existing';

export interface Registration {
  subscriber: Subscriber;
  outcome: RegistrationOutcome;
  created: boolean;
}

/** A pending subscriber registering again gets the confirm message at most this often. */
export const CONFIRM_RESEND_INTERVAL = '10 minutes';
/**
 * Jobs are added before COMMIT (so a failed add rolls the registration back); the delay keeps
 * a fast worker from reading the subscriber before the COMMIT that follows the add is visible.
 */
const JOB_DELAY_MS = 1000;

/**
 * POST /v1/sites/{site}/subscribers: one upsert decides between new, re-subscribed and
 * existing, so 30 simultaneous registrations of one address make one row; the ledger event
 * and the message job are written in the same transaction, so either all of it happens or
 * nothing does.
 */
@Injectable()
export class RegistrationService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectQueue(QueueName.Mail) private readonly mail: Queue,
    private readonly policies: PoliciesService,
    private readonly hasher: SuppressionHasher,
    private readonly webhooks: WebhookEventsService,
  ) {}

  async execute(
    site: Site,
    principal: Principal,
    dto: RegisterSubscriberDto,
  ): Promise<Registration> {
    const checked = checkEmail(dto.email);
    if (!checked.ok) throw badRequest('invalid_email', checked.reason, { fields: ['email'] });
    const { email, normalized } = checked.value;
    const policy = await this.policies.resolve(site.id, dto.consent?.policyVersion);
    const pending = site.confirmation === 'double_opt_in';

    return this.db.transaction(async (m) => {
      // Inserts a new row, or re-subscribes an unsubscribed one (a new consent: the policy
      // applies again); any other existing row is left alone and nothing is returned.
      const upserted: (SubscriberRow & { inserted: boolean })[] = await m.query(
        `INSERT INTO subscribers (site_id, email, email_normalized, name, locale, attributes, status, confirm_sent_at)
         VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, CASE WHEN $8 THEN now() END)
         ON CONFLICT (site_id, email_normalized) DO UPDATE SET
           email = EXCLUDED.email,
           name = COALESCE(EXCLUDED.name, subscribers.name),
           locale = COALESCE(EXCLUDED.locale, subscribers.locale),
           attributes = subscribers.attributes || EXCLUDED.attributes,
           status = EXCLUDED.status,
           confirmed_at = NULL,
           unsubscribed_at = NULL,
           confirm_sent_at = EXCLUDED.confirm_sent_at,
           updated_at = now()
         WHERE subscribers.status = 'unsubscribed'
         RETURNING *, (xmax = 0) AS inserted`,
        [
          site.id,
          email,
          normalized,
          dto.name ?? null,
          dto.locale ?? null,
          JSON.stringify(dto.attributes ?? {}),
          pending ? 'pending' : 'active',
          pending,
        ],
      );
      let row: SubscriberRow;
      let outcome: RegistrationOutcome;
      if (upserted.length) {
        row = upserted[0];
        outcome = upserted[0].inserted ? 'created' : 'resubscribed';
        // The person asked again themselves: an earlier erasure no longer speaks for them.
        await m.query(`DELETE FROM suppressions WHERE site_id = $1 AND email_hash = ANY($2)`, [
          site.id,
          this.hasher.all(normalized),
        ]);
      } else {
        [row, outcome] = await this.existing(m, site.id, normalized);
      }

      const [event]: { id: string }[] = await m.query(
        `INSERT INTO subscriber_events
           (site_id, subscriber_id, type, channel, ip, user_agent, source, policy_version, policy_sha256, api_key_id, detail)
         VALUES ($1, $2, 'registered', 'api', $3, $4, $5, $6, $7, $8, $9::jsonb) RETURNING id`,
        [
          site.id,
          row.id,
          dto.consent?.ip ?? null,
          dto.consent?.userAgent ?? null,
          dto.consent?.source ?? null,
          policy?.version ?? null,
          policy?.textSha256 ?? null,
          principal.keyId,
          JSON.stringify({ outcome, confirmation: site.confirmation }),
        ],
      );
      await this.enqueue(site, row, outcome, event.id);
      if (outcome === 'created' || outcome === 'resubscribed') {
        const data = { subscriberId: row.id, status: row.status, source: dto.consent?.source ?? null, policyVersion: policy?.version ?? null };
        await this.webhooks.emit(site.id, 'subscriber.registered', data, m);
      }
      return { subscriber: rowToSubscriber(row), outcome, created: outcome === 'created' };
    });
  }

  /** An existing row that is not unsubscribed: a pending one may get its confirm message again. */
  private async existing(
    m: EntityManager,
    siteId: string,
    normalized: string,
  ): Promise<[SubscriberRow, RegistrationOutcome]> {
    // Atomic throttle: of concurrent registrations only one moves confirm_sent_at forward.
    const resent: SubscriberRow[] = await m.query(
      `WITH upd AS (
         UPDATE subscribers SET confirm_sent_at = now(), updated_at = now()
          WHERE site_id = $1 AND email_normalized = $2 AND status = 'pending'
            AND (confirm_sent_at IS NULL OR confirm_sent_at <= now() - $3::interval)
          RETURNING *
       )
       SELECT * FROM upd`,
      [siteId, normalized, CONFIRM_RESEND_INTERVAL],
    );
    if (resent.length) return [resent[0], 'confirm_resent'];
    const rows: SubscriberRow[] = await m.query(
      `SELECT * FROM subscribers WHERE site_id = $1 AND email_normalized = $2`,
      [siteId, normalized],
    );
    // Erased by another request between the upsert and here: let the caller try again.
    if (!rows.length)
      throw conflict('registration_conflict', 'The subscriber changed meanwhile; try again');
    return [rows[0], 'existing'];
  }

  private async enqueue(
    site: Site,
    row: SubscriberRow,
    outcome: RegistrationOutcome,
    eventId: string,
  ): Promise<void> {
    if (outcome === 'existing' || site.confirmation === 'none') return;
    const confirm = row.status === 'pending';
    // One job per registration event: a retried add of the same registration collapses.
    const name = confirm ? JobName.SendConfirm : JobName.SendNotice;
    await addOrFail(
      this.mail,
      name,
      { subscriberId: row.id },
      { jobId: `${name}-${eventId}`, delay: JOB_DELAY_MS },
    );
  }
}
