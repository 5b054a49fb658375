import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { signWebhook } from './signature';
import { WebhookEventsService } from './webhook-events.service';
import { WebhookHttpClient } from './webhook-http.client';

/** Retries stop once a delivery is this old: "retried with backoff for a day". */
export const RETRY_WINDOW_MS = 24 * 60 * 60 * 1000;
/** The outbox and its delivery log are kept this long, then pruned by the recovery pass. */
export const RETENTION_DAYS = 30;
const MAX_DELAY_MS = 60 * 60 * 1000;

/** An earlier event for the same subscriber and webhook that is still open blocks this one. */
const NO_OPEN_PREDECESSOR = `(d.subscriber_id IS NULL OR NOT EXISTS (
  SELECT 1 FROM webhook_deliveries p
  WHERE p.webhook_id = d.webhook_id AND p.subscriber_id = d.subscriber_id
    AND p.event_seq < d.event_seq AND p.status IN ('pending','sending')))`;

interface Claimed {
  id: string;
  attempts: number;
  created_at: Date;
  webhook_id: string;
  subscriber_id: string | null;
  url: string;
  secret: string;
  event_id: string;
  type: string;
  data: Record<string, unknown>;
  event_created_at: Date;
  email: string | null;
}

export function retryDelayMs(baseMs: number, attempts: number): number {
  const exponential = Math.min(baseMs * 2 ** Math.max(0, attempts - 1), MAX_DELAY_MS);
  return Math.round(exponential * (0.9 + Math.random() * 0.2));
}

/** Makes one webhook call: claim, sign, POST, record, and pass the turn to the next event. */
@Injectable()
export class WebhookDeliveryService implements OnModuleDestroy {
  private readonly logger = new Logger(WebhookDeliveryService.name);
  private readonly client: WebhookHttpClient;

  constructor(
    private readonly dataSource: DataSource,
    private readonly events: WebhookEventsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.client = new WebhookHttpClient(config.webhooksAllowPrivate, config.webhooksTimeoutMs);
  }

  onModuleDestroy(): void {
    this.client.close();
  }

  async deliver(id: string): Promise<void> {
    const row = await this.claim(id);
    if (!row) return;
    const body = JSON.stringify({
      id: row.event_id,
      type: row.type,
      createdAt: new Date(row.event_created_at).toISOString(),
      // The address is read now, not stored: an erased subscriber's events carry none.
      data: row.subscriber_id ? { subscriberId: row.subscriber_id, email: row.email, ...row.data } : row.data,
    });
    const result = await this.client.post(row.url, body, {
      'content-type': 'application/json',
      'user-agent': 'Vestnik-Webhooks/1',
      'vestnik-event': row.type,
      'vestnik-delivery': row.id,
      'vestnik-signature': signWebhook(row.secret, body, Math.floor(Date.now() / 1000)),
    });
    if (result.error === null) {
      await this.finish(row, 'delivered', result.status, null);
      return;
    }
    const delay = retryDelayMs(this.config.webhooksRetryBaseMs, row.attempts);
    const age = Date.now() - new Date(row.created_at).getTime();
    if (result.permanent || age + delay > RETRY_WINDOW_MS) {
      await this.finish(row, 'failed', result.status, result.error);
      return;
    }
    await this.dataSource.query(
      `UPDATE webhook_deliveries SET status = 'pending', response_status = $2, error = $3, locked_until = NULL,
         next_attempt_at = now() + make_interval(secs => $4::float8 / 1000), updated_at = now()
       WHERE id = $1 AND status = 'sending'`,
      [row.id, result.status, result.error, delay],
    );
    await this.events.enqueue([row.id], delay);
  }

  /** Frees claims a dead worker left behind and re-enqueues due rows Redis no longer carries. */
  async recover(overdueSeconds: number): Promise<number> {
    await this.dataSource.query(
      `UPDATE webhook_deliveries SET status = 'pending', locked_until = NULL, updated_at = now()
       WHERE status = 'sending' AND locked_until < now()`,
    );
    const due: { id: string }[] = await this.dataSource.query(
      `SELECT d.id FROM webhook_deliveries d
       WHERE d.status = 'pending' AND d.next_attempt_at < now() - make_interval(secs => $1) AND ${NO_OPEN_PREDECESSOR}
       ORDER BY d.next_attempt_at LIMIT 1000`,
      [overdueSeconds],
    );
    await this.events.enqueue(due.map((r) => r.id));
    await this.prune();
    return due.length;
  }

  /**
   * Drops events (and, by cascade, their log) older than RETENTION_DAYS once nothing is open.
   * Looks only at the oldest thousand by `seq`, so a pass stays cheap however large the table.
   */
  async prune(): Promise<number> {
    const rows: unknown[] = await this.dataSource.query(
      `DELETE FROM webhook_events e
       WHERE e.id IN (SELECT id FROM (SELECT id, created_at FROM webhook_events ORDER BY seq LIMIT 1000) oldest
                      WHERE created_at < now() - make_interval(days => $1))
         AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id AND d.status IN ('pending','sending'))
       RETURNING e.id`,
      [RETENTION_DAYS],
    );
    return rows.length;
  }

  private async claim(id: string): Promise<Claimed | null> {
    const lockSeconds = Math.ceil(this.config.webhooksTimeoutMs / 1000) + 60;
    const rows: Claimed[] = await this.dataSource.query(
      `WITH claimed AS (
         UPDATE webhook_deliveries d
         SET status = 'sending', attempts = d.attempts + 1, updated_at = now(),
             locked_until = now() + make_interval(secs => $2)
         WHERE d.id = $1 AND d.status = 'pending' AND d.next_attempt_at <= now() + interval '1 second'
           AND EXISTS (SELECT 1 FROM webhooks w WHERE w.id = d.webhook_id AND w.deleted_at IS NULL)
           AND ${NO_OPEN_PREDECESSOR}
         RETURNING d.*
       )
       SELECT c.id, c.attempts, c.created_at, c.webhook_id, c.subscriber_id, w.url, w.secret,
              e.id AS event_id, e.type, e.data, e.created_at AS event_created_at, s.email
       FROM claimed c
       JOIN webhooks w ON w.id = c.webhook_id
       JOIN webhook_events e ON e.id = c.event_id
       LEFT JOIN subscribers s ON s.id = c.subscriber_id AND s.erased_at IS NULL`,
      [id, lockSeconds],
    );
    return rows[0] ?? null;
  }

  private async finish(row: Claimed, status: 'delivered' | 'failed', httpStatus: number | null, error: string | null) {
    await this.dataSource.query(
      `UPDATE webhook_deliveries SET status = $2, response_status = $3, error = $4, locked_until = NULL,
         delivered_at = CASE WHEN $2 = 'delivered' THEN now() END, updated_at = now()
       WHERE id = $1 AND status = 'sending'`,
      [row.id, status, httpStatus, error],
    );
    if (status === 'failed') this.logger.warn(`webhook delivery ${row.id} gave up: ${error}`);
    if (!row.subscriber_id) return;
    // Ordering per subscriber: the next open event for this subscriber and webhook may go now.
    const next: { id: string; wait_ms: number }[] = await this.dataSource.query(
      `SELECT id, GREATEST(0, EXTRACT(EPOCH FROM next_attempt_at - now()) * 1000)::int AS wait_ms
       FROM webhook_deliveries WHERE webhook_id = $1 AND subscriber_id = $2 AND status = 'pending'
       ORDER BY event_seq LIMIT 1`,
      [row.webhook_id, row.subscriber_id],
    );
    if (next[0]) await this.events.enqueue([next[0].id], next[0].wait_ms);
  }
}
