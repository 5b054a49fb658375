import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { DeliveryLedger, updateReturning } from './delivery-ledger';
import { DeliveryQueueService } from './delivery-queue.service';

/** Rows handled per recovery statement, so a flushed million-recipient bulletin recovers in steps. */
const RECOVERY_BATCH = 10_000;
/**
 * Bulletins whose deliveries recovery looks through for claims a dead worker left `sending`
 * (deliveries have no status index, see migration 1764600100000, so each look reads the
 * bulletin's rows: about 0.3 s for a million): those sending, and those paused or cancelled in
 * the last day. A bulletin paused longer gets its claims back once it is resumed.
 */
const MAY_HOLD_CLAIMS = `(b2.status = 'sending' OR (b2.status IN ('paused','cancelled') AND b2.updated_at > now() - interval '1 day'))`;

export interface RecoveryReport {
  scheduled: number;
  fanouts: number;
  reclaimed: number;
  orphans: number;
  completed: number;
}

/**
 * Rebuilds the queue from PostgreSQL, the source of truth. Runs every RECOVERY_INTERVAL_SECONDS
 * and once at worker start, on any worker; every step is safe to run twice at once.
 *
 * - scheduled bulletins whose time has passed (their delayed job was lost) start;
 * - unfinished fan-outs get their job again (a fixed job id makes this a no-op while one exists);
 * - deliveries claimed (`sending`) longer than DELIVERY_STUCK_SECONDS belonged to a worker that
 *   died: back to `queued` and enqueued. A message sent just before the crash may go out twice;
 *   that is the bound on duplicates (messages in flight at the kill);
 * - deliveries `queued` that long while the send queue holds no waiting or delayed job cannot be
 *   carried by any job (Redis lost them): enqueued again. With jobs waiting we cannot tell, so
 *   they wait until the queue drains: late, never lost;
 * - bulletins that are finished but not yet marked `sent` are completed: a crash between the
 *   last record and the completion check, or an `open_deliveries` hint left high (a crash between
 *   a record and its settle; an erasure skipping a queued delivery), is caught here.
 */
@Injectable()
export class RecoveryService {
  private readonly logger = new Logger(RecoveryService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly ledger: DeliveryLedger,
    private readonly queue: DeliveryQueueService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async run(): Promise<RecoveryReport> {
    const report: RecoveryReport = { scheduled: 0, fanouts: 0, reclaimed: 0, orphans: 0, completed: 0 };
    const due: { id: string }[] = await this.db.query(
      `SELECT id FROM bulletins WHERE status = 'scheduled' AND scheduled_at <= now()`,
    );
    for (const { id } of due) await this.queue.enqueueFanout(id);
    report.scheduled = due.length;

    const unfinished: { id: string }[] = await this.db.query(
      `SELECT id FROM bulletins WHERE status IN ('sending','paused') AND NOT fanout_done`,
    );
    for (const { id } of unfinished) await this.queue.enqueueFanout(id);
    report.fanouts = unfinished.length;

    report.reclaimed = await this.reclaimStuck();
    if ((await this.queue.pendingSendJobs()) === 0) report.orphans = await this.enqueueOrphans();

    const sending: { id: string }[] = await this.db.query(
      `SELECT id FROM bulletins WHERE status = 'sending' AND fanout_done`,
    );
    for (const { id } of sending) {
      if (await this.ledger.completeIfFinished(id, { authoritative: true })) report.completed++;
    }

    if (report.scheduled + report.reclaimed + report.orphans + report.completed > 0) {
      this.logger.warn({ ...report }, 'Recovery re-enqueued work');
    }
    return report;
  }

  /** Claims left by dead workers: back to queued (skipped when the bulletin was cancelled). */
  private async reclaimStuck(): Promise<number> {
    let total = 0;
    for (;;) {
      const rows = await updateReturning<{ id: string; bulletin_id: string; status: string }>(
        this.db,
        `UPDATE deliveries d
         SET status = CASE WHEN b.status = 'cancelled' THEN 'skipped' ELSE 'queued' END, updated_at = now()
         FROM bulletins b
         WHERE d.id IN (SELECT d2.id FROM bulletins b2 JOIN deliveries d2 ON d2.bulletin_id = b2.id
                        WHERE ${MAY_HOLD_CLAIMS} AND d2.status = 'sending'
                          AND d2.updated_at < now() - $1 * interval '1 second' LIMIT $2)
           AND d.status = 'sending' AND b.id = d.bulletin_id
         RETURNING d.id::text AS id, d.bulletin_id, d.status`,
        [this.config.deliveryStuckSeconds, RECOVERY_BATCH],
      );
      await this.enqueueByBulletin(rows.filter((r) => r.status === 'queued'));
      total += rows.length;
      if (rows.length < RECOVERY_BATCH) return total;
    }
  }

  /** Queued deliveries of sending bulletins that no job can be carrying. */
  private async enqueueOrphans(): Promise<number> {
    let total = 0;
    for (;;) {
      // Touching updated_at keeps the next pass from enqueueing the same rows again.
      const rows = await updateReturning<{ id: string; bulletin_id: string }>(
        this.db,
        `UPDATE deliveries d SET updated_at = now()
         WHERE d.id IN (
           SELECT d2.id FROM deliveries d2 JOIN bulletins b ON b.id = d2.bulletin_id AND b.status = 'sending'
           WHERE d2.status = 'queued' AND d2.updated_at < now() - $1 * interval '1 second'
             AND (d2.retry_at IS NULL OR d2.retry_at <= now())
           LIMIT $2)
           AND d.status = 'queued'
         RETURNING d.id::text AS id, d.bulletin_id`,
        [this.config.deliveryStuckSeconds, RECOVERY_BATCH],
      );
      await this.enqueueByBulletin(rows);
      total += rows.length;
      if (rows.length < RECOVERY_BATCH) return total;
    }
  }

  private async enqueueByBulletin(rows: { id: string; bulletin_id: string }[]): Promise<void> {
    const byBulletin = new Map<string, string[]>();
    for (const row of rows) {
      const ids = byBulletin.get(row.bulletin_id) ?? [];
      ids.push(row.id);
      byBulletin.set(row.bulletin_id, ids);
    }
    for (const [bulletinId, ids] of byBulletin) {
      await this.queue.enqueueChunks(bulletinId, ids.sort((a, b) => Number(a) - Number(b)));
    }
  }
}
