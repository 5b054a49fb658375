import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { poolQuery } from '../database/pool-query';
import { NEW_MESSAGE_ID } from './message-id';
import { WebhookEventsService } from '../webhooks/webhook-events.service';

/**
 * A claim of one delivery. Each claim counts an attempt, so the count names the claim: after
 * recovery took the row back and someone claimed it again, it is one higher, and the first
 * claimant's heartbeat and outcome no longer match it.
 */
export interface ClaimRef {
  id: string;
  attempts: number;
}

/** A delivery claimed for sending, with what rendering needs about its subscriber. */
export interface ClaimedDelivery extends ClaimRef {
  messageId: string;
  subscriberId: string;
  email: string;
  name: string | null;
  locale: string | null;
  attributes: Record<string, unknown>;
}

/** What a claim took: the deliveries to send, and how many it settled as `skipped` instead. */
export interface Claim {
  deliveries: ClaimedDelivery[];
  skipped: number;
}

/** The outcome of one claimed delivery, recorded with the rest of its chunk. */
export interface DeliveryOutcome {
  id: string;
  /** The claim's `attempts`: the outcome is written only while the row is still that claim. */
  claimedAttempts: number;
  /** `skipped`: not sent, as the subscriber left or the claim was lost after the claim (SendableRecheck). */
  status: 'sent' | 'failed' | 'queued' | 'skipped';
  error: string | null;
  /** For `queued`: wait this long before the next try (0: at once). */
  retryDelayMs: number;
  /** For `queued`: give the claim's attempt back (the message never reached the server's verdict). */
  refundAttempt: boolean;
}

export interface FanoutBatch {
  /** Deliveries this batch created (rows that already existed are not repeated). */
  insertedIds: string[];
  /** False when the bulletin was no longer sending/paused (cancelled): stop. */
  active: boolean;
  done: boolean;
  cursor: string | null;
}

/** TypeORM answers `[rows, rowCount]` for UPDATE/DELETE and `rows` otherwise. */
export async function updateReturning<T = Record<string, unknown>>(
  db: Pick<DataSource, 'query'> | EntityManager,
  sql: string,
  params: unknown[],
): Promise<T[]> {
  const result: unknown = await db.query(sql, params);
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
    return result[0] as T[];
  }
  return result as T[];
}

export const NIL_UUID = '00000000-0000-0000-0000-000000000000';
/** The reason `unsendable` gives for a claim that recovery took back (and maybe someone else took since). */
export const CLAIM_LOST = 'claim lost';
const SENDABLE = `s.status = 'active' AND s.email IS NOT NULL AND s.erased_at IS NULL`;
/** Statuses whose delivery still has to be sent (or to have its outcome recorded). */
const OPEN = `('queued','sending')`;
/** The bulletin's columns behind CompletionHint. */
const HINT_COLUMNS = `open_deliveries AS open, status = 'sending' AND fanout_done AS ready`;

/** What the completion check needs to know of the bulletin row before it looks at the ledger. */
export interface CompletionHint {
  /** `open_deliveries`: above zero, the bulletin is not finished. */
  open: number;
  /** Sending, with its fan-out done. */
  ready: boolean;
}

/**
 * Every statement of the send path, as plain SQL: each one is a single round trip over a whole
 * batch or chunk (INSERT … SELECT, UPDATE … FROM unnest, data-modifying CTEs), which the
 * repository API cannot express; per-row ORM calls were measured 20x slower (issue 6). Those run
 * per chunk (claim, record, settle, heartbeat, the completion hint) are named prepared statements
 * on the pool (`poolQuery`): PostgreSQL parses and plans them once per connection.
 */
@Injectable()
export class DeliveryLedger {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly webhooks: WebhookEventsService,
  ) {}

  /**
   * One fan-out step: the next `limit` active subscribers after the checkpoint become queued
   * deliveries (existing rows untouched) with their Message-ID, and the checkpoint and the open
   * count move, in one statement. Does nothing once the bulletin is no longer sending or paused.
   */
  async fanoutBatch(
    bulletinId: string,
    siteId: string,
    after: string | null,
    limit: number,
    messageIdDomain: string,
  ): Promise<FanoutBatch> {
    const rows: { ids: string[] | null; last: string | null; done: boolean | null }[] = await this.db.query(
      `WITH b AS (
         SELECT id FROM bulletins WHERE id = $1 AND status IN ('sending','paused') AND NOT fanout_done
       ), batch AS (
         SELECT s.id FROM subscribers s
         WHERE EXISTS (SELECT 1 FROM b) AND s.site_id = $2 AND s.status = 'active' AND s.id > $3
         ORDER BY s.id LIMIT $4
       ), ins AS (
         INSERT INTO deliveries (bulletin_id, subscriber_id, status, message_id)
         SELECT $1, id, 'queued', ${NEW_MESSAGE_ID('$5')} FROM batch ORDER BY id
         ON CONFLICT (bulletin_id, subscriber_id) DO NOTHING
         RETURNING id
       ), last AS (
         SELECT id FROM batch ORDER BY id DESC LIMIT 1
       ), mark AS (
         UPDATE bulletins SET fanout_cursor = COALESCE((SELECT id FROM last), fanout_cursor),
                fanout_done = (SELECT count(*) FROM batch) < $4,
                open_deliveries = open_deliveries + (SELECT count(*) FROM ins), updated_at = now()
         WHERE id = $1 AND EXISTS (SELECT 1 FROM b)
         RETURNING fanout_done
       )
       SELECT (SELECT array_agg(id ORDER BY id) FROM ins) AS ids, (SELECT id FROM last) AS last,
              (SELECT fanout_done FROM mark) AS done`,
      [bulletinId, siteId, after ?? NIL_UUID, limit, messageIdDomain],
    );
    const row = rows[0];
    return {
      insertedIds: (row.ids ?? []).map(String),
      active: row.done !== null,
      done: row.done === true,
      cursor: row.last ?? after,
    };
  }

  /**
   * Claims a chunk: queued deliveries of a `sending` bulletin become `sending` (attempt counted)
   * when their subscriber may still be mailed, else `skipped`. Concurrent claims of the same ids
   * cannot both win: the row lock makes the second re-check `status = 'queued'` and drop the row.
   * The Message-ID comes from fan-out; rows written before that (migration 1764600100000) get
   * theirs here. None of the columns changed is indexed, so the update stays on its page. The
   * skipped ones leave the open statuses: the caller settles them with the chunk's outcomes.
   * Queued rows of a cancelled bulletin are skipped too: cancel skips what is queued when it
   * commits, but an outcome statement or a fan-out batch that read the bulletin before that can
   * still leave a row queued behind it, and the job that carries the row ends it here.
   */
  async claim(bulletinId: string, ids: string[], messageIdDomain: string): Promise<Claim> {
    if (ids.length === 0) return { deliveries: [], skipped: 0 };
    const rows = await poolQuery<ClaimedDelivery & { status: string }>(
      this.db,
      `UPDATE deliveries d
       SET status = CASE WHEN b.status = 'sending' AND ${SENDABLE} THEN 'sending' ELSE 'skipped' END,
           attempts = d.attempts + CASE WHEN b.status = 'sending' AND ${SENDABLE} THEN 1 ELSE 0 END,
           error = CASE WHEN b.status = 'cancelled' THEN 'bulletin cancelled'
                        WHEN ${SENDABLE} THEN d.error
                        WHEN s.erased_at IS NOT NULL THEN 'subscriber erased'
                        ELSE 'subscriber ' || s.status END,
           message_id = COALESCE(d.message_id, ${NEW_MESSAGE_ID('$3')}),
           retry_at = NULL,
           updated_at = now()
       FROM subscribers s, bulletins b
       WHERE d.id = ANY($1::bigint[]) AND d.bulletin_id = $2 AND d.status = 'queued'
         AND s.id = d.subscriber_id AND b.id = d.bulletin_id AND b.status IN ('sending', 'cancelled')
       RETURNING d.id::text AS id, d.status, d.message_id AS "messageId", d.attempts,
                 s.id AS "subscriberId", s.email, s.name, s.locale, s.attributes`,
      [ids, bulletinId, messageIdDomain],
      'vestnik_claim',
    );
    const sendable = rows.filter((row) => row.status === 'sending');
    return { deliveries: sendable.map(({ status: _status, ...rest }) => rest), skipped: rows.length - sendable.length };
  }

  /**
   * Of these claims, those that must not be sent after all, with the reason: the subscriber left
   * (unsubscribed, bounced or erased since the claim), with the reason the claim would have
   * written, or the claim is no longer this one (recovery took it back from a worker it thought
   * dead: `claim lost`, and the outcome will match nothing). A read: the chunk records the
   * first kind as `skipped` with its other outcomes.
   */
  async unsendable(claims: ClaimRef[]): Promise<Map<string, string>> {
    if (claims.length === 0) return new Map();
    const rows = await poolQuery<{ id: string; reason: string }>(
      this.db,
      `SELECT d.id::text AS id,
              CASE WHEN d.status <> 'sending' OR d.attempts <> v.attempts THEN '${CLAIM_LOST}'
                   WHEN s.erased_at IS NOT NULL THEN 'subscriber erased' ELSE 'subscriber ' || s.status END AS reason
         FROM unnest($1::bigint[], $2::int[]) AS v(id, attempts)
         JOIN deliveries d ON d.id = v.id JOIN subscribers s ON s.id = d.subscriber_id
        WHERE d.status <> 'sending' OR d.attempts <> v.attempts OR NOT (${SENDABLE})`,
      [claims.map((c) => c.id), claims.map((c) => c.attempts)],
      'vestnik_unsendable',
    );
    return new Map(rows.map((row) => [row.id, row.reason]));
  }

  /**
   * Records outcomes of the bulletin in one statement. Only rows still `sending` under the same
   * claim change (recovery may have taken one back, and another worker claimed it since). A
   * delivery handed back to the queue of a cancelled bulletin is skipped.
   * Answers the ids of the deliveries it settled (sent, failed or skipped), for `settle`.
   */
  async record(bulletinId: string, unordered: DeliveryOutcome[]): Promise<Set<string>> {
    if (unordered.length === 0) return new Set();
    // In id order, as the heartbeat's `touch` of the same rows locks them: two statements that
    // lock rows in different orders can deadlock. Outcomes arrive in the order messages finished.
    const outcomes = [...unordered].sort((a, b) => compareIds(a.id, b.id));
    const rows = await poolQuery<{ id: string; open: boolean }>(
      this.db,
      `UPDATE deliveries d
       SET status = CASE WHEN v.status = 'queued' AND b.status = 'cancelled' THEN 'skipped' ELSE v.status END,
           error = v.error,
           sent_at = CASE WHEN v.status = 'sent' THEN now() ELSE d.sent_at END,
           retry_at = CASE WHEN v.status = 'queued' AND v.delay_ms > 0
                           THEN now() + v.delay_ms * interval '1 millisecond' END,
           attempts = d.attempts - CASE WHEN v.refund THEN 1 ELSE 0 END,
           updated_at = now()
       FROM unnest($2::bigint[], $3::text[], $4::text[], $5::int[], $6::boolean[], $7::int[]) AS v(id, status, error, delay_ms, refund, claimed),
            bulletins b
       WHERE d.id = v.id AND d.bulletin_id = $1 AND d.status = 'sending' AND d.attempts = v.claimed AND b.id = d.bulletin_id
       RETURNING d.id::text AS id, d.status IN ${OPEN} AS open`,
      [
        bulletinId,
        outcomes.map((o) => o.id),
        outcomes.map((o) => o.status),
        outcomes.map((o) => o.error),
        outcomes.map((o) => o.retryDelayMs),
        outcomes.map((o) => o.refundAttempt),
        outcomes.map((o) => o.claimedAttempts),
      ],
      'vestnik_record',
    );
    return new Set(rows.filter((row) => !row.open).map((row) => row.id));
  }

  /**
   * `count` deliveries of the bulletin left the open statuses. Its own small statement, after the
   * one that changed them: taking the bulletin's row lock inside that one would order locks
   * against cancel and retry-failed (bulletin first) and deadlock. A crash in between leaves the
   * hint high, which only delays completion to the next recovery pass. Answers the row's hint as
   * it now is (null when there was nothing to settle), for `completeIfFinished`.
   */
  async settle(bulletinId: string, count: number): Promise<CompletionHint | null> {
    if (count <= 0) return null;
    const rows = await poolQuery<CompletionHint>(
      this.db,
      `UPDATE bulletins SET open_deliveries = open_deliveries - $2 WHERE id = $1 RETURNING ${HINT_COLUMNS}`,
      [bulletinId, count],
      'vestnik_settle',
    );
    return rows[0] ?? null;
  }

  /**
   * Heartbeat of a chunk being sent: recovery only takes back claims nobody has touched for a
   * while. Only claims still this chunk's are touched, in id order (as `record` locks them).
   */
  async touch(claims: ClaimRef[]): Promise<void> {
    const sorted = [...claims].sort((a, b) => compareIds(a.id, b.id));
    await poolQuery(
      this.db,
      `UPDATE deliveries d SET updated_at = now()
         FROM unnest($1::bigint[], $2::int[]) AS v(id, attempts)
        WHERE d.id = v.id AND d.status = 'sending' AND d.attempts = v.attempts`,
      [sorted.map((c) => c.id), sorted.map((c) => c.attempts)],
      'vestnik_touch',
    );
  }

  /** Pauses a sending bulletin because of a fault that no retry can fix (authentication, TLS). */
  async pauseWithError(bulletinId: string, error: string): Promise<void> {
    await this.db.query(
      `UPDATE bulletins SET status = 'paused', error = $2, updated_at = now() WHERE id = $1 AND status = 'sending'`,
      [bulletinId, error.slice(0, 1000)],
    );
  }

  /**
   * Marks the bulletin `sent` when its fan-out is done and no delivery is queued or sending.
   *
   * After every chunk this first reads the bulletin's `open_deliveries` hint (or takes the one
   * the chunk's `settle` just answered) and stops while it is above zero: deliveries carry no status index (so their updates stay on their page), and
   * looking through the ledger costs a scan of the bulletin's deliveries. Only at zero, or when
   * recovery asks (`authoritative`, which also catches a hint left high by a crash), are the
   * deliveries themselves consulted; a hint found low is recounted. The transition then happens
   * under the bulletin's row lock with a fresh look at the deliveries, so a concurrent
   * retry-failed cannot be overtaken, and the conditional UPDATE lets exactly one caller win.
   * Returns true for that caller.
   */
  async completeIfFinished(
    bulletinId: string,
    options: { authoritative?: boolean; hint?: CompletionHint | null } = {},
  ): Promise<boolean> {
    if (!options.authoritative) {
      const hint =
        options.hint ??
        (await poolQuery<CompletionHint>(this.db, `SELECT ${HINT_COLUMNS} FROM bulletins WHERE id = $1`, [bulletinId], 'vestnik_completion_hint'))[0];
      if (!hint?.ready || hint.open > 0) return false;
    }
    const pending: { pending: boolean }[] = await this.db.query(
      `SELECT EXISTS (SELECT 1 FROM deliveries WHERE bulletin_id = $1 AND status IN ${OPEN}) AS pending`,
      [bulletinId],
    );
    if (pending[0].pending) {
      if (!options.authoritative) await this.recountOpen(bulletinId);
      return false;
    }
    return this.db.transaction(async (tx) => {
      const locked: { fanout_done: boolean }[] = await tx.query(
        `SELECT fanout_done FROM bulletins WHERE id = $1 AND status = 'sending' FOR UPDATE`,
        [bulletinId],
      );
      if (locked.length === 0 || !locked[0].fanout_done) return false;
      const done = await updateReturning<{ site_id: string }>(
        tx,
        `UPDATE bulletins SET status = 'sent', finished_at = now(), updated_at = now(), open_deliveries = 0
         WHERE id = $1 AND status = 'sending'
           AND NOT EXISTS (SELECT 1 FROM deliveries WHERE bulletin_id = $1 AND status IN ${OPEN})
         RETURNING site_id`,
        [bulletinId],
      );
      if (done.length !== 1) return false;
      const counts: { status: string; n: string }[] = await tx.query(
        `SELECT status, count(*) AS n FROM deliveries WHERE bulletin_id = $1 GROUP BY status`,
        [bulletinId],
      );
      const stats: Record<string, number> = { total: 0, sent: 0, failed: 0, skipped: 0 };
      for (const { status, n } of counts) {
        stats[status] = Number(n);
        stats.total += Number(n);
      }
      // In the same transaction: the event exists if and only if the bulletin became `sent`.
      await this.webhooks.emit(done[0].site_id, 'bulletin.sent', { bulletinId, ...stats }, tx);
      return true;
    });
  }

  /** The hint said nothing is open, the ledger disagrees: count again. */
  private async recountOpen(bulletinId: string): Promise<void> {
    await this.db.query(
      `UPDATE bulletins SET open_deliveries =
         (SELECT count(*) FROM deliveries WHERE bulletin_id = $1 AND status IN ${OPEN})
       WHERE id = $1`,
      [bulletinId],
    );
  }

  /** Queued deliveries of a bulletin after `after`, by id: the walk behind resume and retry-failed. */
  async queuedAfter(bulletinId: string, after: string, limit: number): Promise<string[]> {
    const rows: { id: string }[] = await this.db.query(
      `SELECT id::text AS id FROM deliveries WHERE bulletin_id = $1 AND status = 'queued' AND id > $2
       ORDER BY id LIMIT $3`,
      [bulletinId, after, limit],
    );
    return rows.map((r) => r.id);
  }
}

/** Orders bigint ids given as decimal strings without parsing them. */
export function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
