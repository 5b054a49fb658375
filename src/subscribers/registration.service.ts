import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { badRequest, conflict, notFound, unauthorized } from '../common/app-exception';
import { Caller, Principal, UncheckedSiteKey } from '../common/auth/auth.types';
import { poolQuery, poolTransaction, TxQuery } from '../database/pool-query';
import { JobName, QueueName } from '../queue/queue.constants';
import { KeyRole } from '../sites/api-key.entity';
import { Site } from '../sites/site.entity';
import { RegisterSubscriberDto } from './dto/subscriber.dto';
import { checkEmail } from './email-address';
import { addOrFail } from './queue-guard';
import { Subscriber } from './subscriber.entity';
import { rowToSubscriber, SUBSCRIBER_COLUMNS, SubscriberRow } from './subscriber-row';
import { SuppressionHasher } from './suppression-hasher';
import { outboxCte, WebhookEventsService } from '../webhooks/webhook-events.service';

/** What of its site a registration reads: where the row goes and what the site sends. */
type RegistrationSite = Pick<Site, 'id' | 'confirmation'>;

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
 * Where the registration's site comes from: a parameter (the guard found it), or the caller's
 * key, checked in the statement itself (`AuthInStatement`: one round trip instead of two). The
 * key's statement writes only on a `none` site; any other needs the message job added before
 * COMMIT, so the caller goes on with the site's statement in a transaction.
 */
interface SiteSource {
  ctes: string;
  siteId: string;
  status: string;
  pending: string;
  keyId: string;
  confirmation: string;
  writes: string;
  columns: string;
}

const SITE_BY_ID: SiteSource = {
  ctes: '',
  siteId: '$1::uuid',
  status: '$7::text',
  pending: '$8::boolean',
  keyId: '$14::uuid',
  confirmation: '$15::text',
  writes: 'true',
  columns: '',
};

/**
 * The key's site: `$1` the key's prefix, `$7` its SHA-256 (hex), `$8` the site's slug. PostgreSQL
 * compares the hash (the guard of other routes uses timingSafeEqual): its timing could at most
 * tell how much of a SHA-256 of 32 random bytes someone guessed, which gets them no closer.
 */
const SITE_BY_KEY: SiteSource = {
  ctes: `auth_key AS (
    SELECT k.id, k.site_id, k.role FROM api_keys k
     WHERE k.prefix = $1::text AND k.hash = $7::text AND k.revoked_at IS NULL
  ), auth_site AS (
    SELECT s.id, s.confirmation FROM sites s JOIN auth_key ON auth_key.site_id = s.id WHERE s.slug = $8::text
  ),`,
  siteId: '(SELECT id FROM auth_site)',
  status: `'active'::text`,
  pending: 'false',
  keyId: '(SELECT id FROM auth_key)',
  confirmation: `'none'::text`,
  writes: `EXISTS (SELECT 1 FROM auth_site WHERE confirmation = 'none')`,
  columns: `, (SELECT id FROM auth_key)::text AS auth_key_id, (SELECT role FROM auth_key) AS auth_key_role,
         auth_site.id AS auth_site_id, auth_site.confirmation AS auth_site_confirmation`,
};

/**
 * The registration as one statement: the policy the person agrees to, the upsert (a new row, or
 * an unsubscribed one re-subscribed: a new consent, the policy applies again; any other existing
 * row is left alone and nothing is upserted), the suppression of an earlier erasure lifted (the
 * person asked again themselves), the ledger event and the webhook outbox rows. PostgreSQL runs it
 * atomically, so a `none` site needs no explicit transaction. The final SELECT always returns one
 * row: the policy columns even when nothing was upserted or the named version is unknown.
 */
const registerSql = (site: SiteSource) => `
  WITH ${site.ctes} pol AS (
    SELECT version, text_sha256 FROM policies
     WHERE site_id = ${site.siteId}
       AND CASE WHEN $9::text IS NULL THEN published_at <= now() ELSE version = $9::text END
     ORDER BY published_at DESC, created_at DESC LIMIT 1
  ), ups AS (
    INSERT INTO subscribers (site_id, email, email_normalized, name, locale, attributes, status, confirm_sent_at)
    SELECT ${site.siteId}, $2::text, $3::text, $4::text, $5::text, $6::jsonb, ${site.status},
           CASE WHEN ${site.pending} THEN now() END
     WHERE ${site.writes} AND ($9::text IS NULL OR EXISTS (SELECT 1 FROM pol))
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
    RETURNING ${SUBSCRIBER_COLUMNS}, (xmax = 0) AS inserted
  ), sup AS (
    DELETE FROM suppressions
     WHERE site_id = ${site.siteId} AND email_hash = ANY($10::text[]) AND EXISTS (SELECT 1 FROM ups)
  ), ev AS (
    INSERT INTO subscriber_events
      (site_id, subscriber_id, type, channel, ip, user_agent, source, policy_version, policy_sha256, api_key_id, detail)
    SELECT ups.site_id, ups.id, 'registered', 'api', $11::text, $12::text, $13::text,
           (SELECT version FROM pol), (SELECT text_sha256 FROM pol), ${site.keyId},
           jsonb_build_object('outcome', CASE WHEN ups.inserted THEN 'created' ELSE 'resubscribed' END,
                              'confirmation', ${site.confirmation})
      FROM ups
    RETURNING id
  ), ${outboxCte(
    'subscriber.registered',
    'ups',
    `jsonb_build_object('status', src.status, 'source', $13::text, 'policyVersion', (SELECT version FROM pol))`,
  )}
  SELECT ups.*,
         (SELECT id FROM ev)::text AS event_id,
         ARRAY(SELECT id FROM wh_deliveries)::text[] AS webhook_deliveries,
         EXISTS (SELECT 1 FROM pol) AS policy_found,
         (SELECT version FROM pol) AS policy_version,
         (SELECT text_sha256 FROM pol) AS policy_sha256 ${site.columns}
    FROM (SELECT 1) one LEFT JOIN ups ON true ${site.columns ? 'LEFT JOIN auth_site ON true' : ''}`;

const REGISTER_SQL = registerSql(SITE_BY_ID);
const REGISTER_BY_KEY_SQL = registerSql(SITE_BY_KEY);

type RegisterRow = Partial<SubscriberRow> & {
  inserted: boolean | null;
  event_id: string | null;
  webhook_deliveries: string[];
  policy_found: boolean;
  policy_version: string | null;
  policy_sha256: string | null;
};

/** The ledger event of a repeated registration (the row itself was not upserted), params from `$n`. */
const repeatEvent = (n: number, outcome: 'confirm_resent' | 'existing') => `
  INSERT INTO subscriber_events
    (site_id, subscriber_id, type, channel, ip, user_agent, source, policy_version, policy_sha256, api_key_id, detail)
  SELECT cur.site_id, cur.id, 'registered', 'api', $${n}::text, $${n + 1}::text, $${n + 2}::text,
         $${n + 3}::text, $${n + 4}::text, $${n + 5}::uuid,
         jsonb_build_object('outcome', '${outcome}'::text, 'confirmation', $${n + 6}::text)
    FROM cur
  RETURNING id`;

/**
 * A pending subscriber registering again: of concurrent registrations only one moves
 * confirm_sent_at forward (atomic throttle), with its `confirm_resent` event.
 */
const RESEND_SQL = `
  WITH cur AS (
    UPDATE subscribers SET confirm_sent_at = now(), updated_at = now()
     WHERE site_id = $1 AND email_normalized = $2 AND status = 'pending'
       AND (confirm_sent_at IS NULL OR confirm_sent_at <= now() - $3::interval)
     RETURNING *
  ), ev AS (${repeatEvent(4, 'confirm_resent')})
  SELECT cur.*, (SELECT id FROM ev)::text AS event_id FROM cur`;

/** Any other existing row: left alone; the repeated registration is still in the ledger. */
const EXISTING_SQL = `
  WITH cur AS (
    SELECT * FROM subscribers WHERE site_id = $1 AND email_normalized = $2
  ), ev AS (${repeatEvent(3, 'existing')})
  SELECT cur.*, (SELECT id FROM ev)::text AS event_id FROM cur`;

interface Written {
  row: SubscriberRow;
  outcome: RegistrationOutcome;
  eventId: string;
  webhookDeliveries: string[];
}

/**
 * POST /v1/sites/{site}/subscribers: one upsert decides between new, re-subscribed and
 * existing, so 30 simultaneous registrations of one address make one row. On a `none` site that
 * is the whole registration (one statement). Where a message goes out (`notice`,
 * `double_opt_in`) the statement and the message job run in one transaction, the job added
 * before COMMIT: Redis unavailable means 503 and nothing written.
 */
@Injectable()
export class RegistrationService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectQueue(QueueName.Mail) private readonly mail: Queue,
    private readonly hasher: SuppressionHasher,
    private readonly webhooks: WebhookEventsService,
  ) {}

  /** Registers for a caller checked by the guard, or for a site key checked by the statement. */
  async register(caller: Caller, dto: RegisterSubscriberDto): Promise<Registration> {
    return 'key' in caller ? this.executeWithKey(caller.key, dto) : this.execute(caller.site, caller.principal, dto);
  }

  async execute(site: RegistrationSite, principal: Principal, dto: RegisterSubscriberDto): Promise<Registration> {
    const address = checkedAddress(dto);
    const written =
      site.confirmation === 'none'
        ? await this.write(this.poolQuery, site, principal, dto, address)
        : await poolTransaction(this.db, async (query) => {
            const result = await this.write(query, site, principal, dto, address);
            await this.enqueue(site, result.row, result.outcome, result.eventId);
            return result;
          });
    return this.finish(written);
  }

  /**
   * The key checked by the registration statement itself, which writes only when it is an
   * unrevoked key of this site and the site is a `none` site; any other site's registration
   * then runs as `execute`'s (nothing was written).
   */
  private async executeWithKey(key: UncheckedSiteKey, dto: RegisterSubscriberDto): Promise<Registration> {
    const address = checkedAddress(dto);
    const [result] = await this.poolQuery<RegisterRow & KeyColumns>(
      REGISTER_BY_KEY_SQL,
      this.params(dto, address, [key.prefix, key.hash, key.slug]),
      'vestnik_register_by_key',
    );
    if (!result.auth_key_id) throw unauthorized();
    if (!result.auth_site_id) throw notFound('site_not_found', 'No such site');
    const site: RegistrationSite = { id: result.auth_site_id, confirmation: result.auth_site_confirmation! };
    const principal: Principal = { kind: 'site', keyId: result.auth_key_id, siteId: site.id, role: result.auth_key_role! };
    if (site.confirmation !== 'none') return this.execute(site, principal, dto);
    return this.finish(await this.outcome(this.poolQuery, site, principal, dto, address, result));
  }

  /** After COMMIT: a job naming outbox rows must not reach Redis before the rows are visible. */
  private async finish(written: Written): Promise<Registration> {
    await this.webhooks.enqueue(written.webhookDeliveries);
    const { row, outcome } = written;
    return { subscriber: rowToSubscriber(row), outcome, created: outcome === 'created' };
  }

  /** Each statement on its own (they are self-contained), or inside the caller's transaction. */
  private readonly poolQuery: TxQuery = (sql, params, name) => poolQuery(this.db, sql, params, name);

  /**
   * The registration statement's parameters. `$1`, `$7` and `$8` say where the site comes from (see
   * SiteSource), `$14` and `$15` come only with a site found by the guard.
   */
  private params(
    dto: RegisterSubscriberDto,
    address: Address,
    site: [unknown, unknown, unknown],
    known: [string | null, string] | [] = [],
  ): unknown[] {
    return [
      site[0],
      address.email,
      address.normalized,
      dto.name ?? null,
      dto.locale ?? null,
      JSON.stringify(dto.attributes ?? {}),
      site[1],
      site[2],
      dto.consent?.policyVersion ?? null,
      this.hasher.all(address.normalized),
      ...consentOf(dto),
      ...known,
    ];
  }

  private async write(
    query: TxQuery,
    site: RegistrationSite,
    principal: Principal,
    dto: RegisterSubscriberDto,
    address: Address,
  ): Promise<Written> {
    const pending = site.confirmation === 'double_opt_in';
    const params = this.params(dto, address, [site.id, pending ? 'pending' : 'active', pending], [principal.keyId, site.confirmation]);
    const [result] = await query<RegisterRow>(REGISTER_SQL, params, 'vestnik_register');
    return this.outcome(query, site, principal, dto, address, result);
  }

  /** What the registration statement did: upserted, or left an existing row to look at. */
  private async outcome(
    query: TxQuery,
    site: RegistrationSite,
    principal: Principal,
    dto: RegisterSubscriberDto,
    address: Address,
    result: RegisterRow,
  ): Promise<Written> {
    const version = dto.consent?.policyVersion ?? undefined;
    if (version !== undefined && !result.policy_found) {
      throw badRequest('unknown_policy_version', `Policy version "${version}" is not known for this site`);
    }
    if (result.id) {
      const { event_id, webhook_deliveries, inserted, ...row } = result;
      return {
        row: row as SubscriberRow,
        outcome: inserted ? 'created' : 'resubscribed',
        eventId: event_id!,
        webhookDeliveries: webhook_deliveries,
      };
    }
    const [row, outcome] = await this.existing(query, site, principal, address.normalized, consentOf(dto), result);
    const { event_id, ...rest } = row;
    return { row: rest, outcome, eventId: event_id, webhookDeliveries: [] };
  }

  /** An existing row that is not unsubscribed: a pending one may get its confirm message again. */
  private async existing(
    query: TxQuery,
    site: RegistrationSite,
    principal: Principal,
    normalized: string,
    consent: (string | null)[],
    policy: Pick<RegisterRow, 'policy_version' | 'policy_sha256'>,
  ): Promise<[SubscriberRow & { event_id: string }, RegistrationOutcome]> {
    const event = [...consent, policy.policy_version, policy.policy_sha256, principal.keyId, site.confirmation];
    const resent = await query<SubscriberRow & { event_id: string }>(RESEND_SQL, [
      site.id,
      normalized,
      CONFIRM_RESEND_INTERVAL,
      ...event,
    ]);
    if (resent.length) return [resent[0], 'confirm_resent'];
    const rows = await query<SubscriberRow & { event_id: string }>(EXISTING_SQL, [
      site.id,
      normalized,
      ...event,
    ]);
    // Erased by another request between the upsert and here: let the caller try again.
    if (!rows.length)
      throw conflict('registration_conflict', 'The subscriber changed meanwhile; try again');
    return [rows[0], 'existing'];
  }

  private async enqueue(
    site: RegistrationSite,
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

type Address = { email: string; normalized: string };
type KeyColumns = {
  auth_key_id: string | null;
  auth_key_role: KeyRole | null;
  auth_site_id: string | null;
  auth_site_confirmation: Site['confirmation'] | null;
};

function checkedAddress(dto: RegisterSubscriberDto): Address {
  const checked = checkEmail(dto.email);
  if (!checked.ok) throw badRequest('invalid_email', checked.reason, { fields: ['email'] });
  return checked.value;
}

const consentOf = (dto: RegisterSubscriberDto) => [dto.consent?.ip ?? null, dto.consent?.userAgent ?? null, dto.consent?.source ?? null];
