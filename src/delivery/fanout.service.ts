import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { messageIdDomain } from '../mail/message-headers.service';
import { DeliveryLedger } from './delivery-ledger';
import { DeliveryQueueService } from './delivery-queue.service';

/** Subscribers per fan-out step: one INSERT … SELECT and one addBulk each. */
export const FANOUT_BATCH = 1000;

/**
 * Turns a bulletin's audience into deliveries and send jobs. Safe to run twice at once or after
 * a crash: rows are unique per bulletin and subscriber, only newly inserted rows are enqueued,
 * and the checkpoint moves in the same statement as the insert. Rows inserted by a run that died
 * before its addBulk are picked up by recovery.
 */
@Injectable()
export class FanoutService {
  private readonly logger = new Logger(FanoutService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly ledger: DeliveryLedger,
    private readonly queue: DeliveryQueueService,
  ) {}

  async run(bulletinId: string): Promise<void> {
    // A scheduled bulletin whose time has come starts here (the delayed job may fire a hair early).
    await this.db.query(
      `UPDATE bulletins SET status = 'sending', started_at = COALESCE(started_at, now()), updated_at = now()
       WHERE id = $1 AND status = 'scheduled' AND scheduled_at <= now() + interval '2 seconds'`,
      [bulletinId],
    );
    const rows: { site_id: string; from_email: string; status: string; fanout_cursor: string | null; fanout_done: boolean }[] =
      await this.db.query(
        `SELECT b.site_id, s.from_email, b.status, b.fanout_cursor, b.fanout_done
         FROM bulletins b JOIN sites s ON s.id = b.site_id WHERE b.id = $1`,
        [bulletinId],
      );
    const bulletin = rows[0];
    if (!bulletin || !['sending', 'paused'].includes(bulletin.status)) return;
    const domain = messageIdDomain(bulletin.from_email);
    let cursor = bulletin.fanout_cursor;
    let done = bulletin.fanout_done;
    let total = 0;
    while (!done) {
      const batch = await this.ledger.fanoutBatch(bulletinId, bulletin.site_id, cursor, FANOUT_BATCH, domain);
      if (!batch.active) return;
      // Enqueued even while paused: those jobs then claim nothing, and resume re-enqueues.
      await this.queue.enqueueChunks(bulletinId, batch.insertedIds);
      total += batch.insertedIds.length;
      cursor = batch.cursor;
      done = batch.done;
    }
    if (total > 0) this.logger.log({ bulletinId, deliveries: total }, 'Fan-out finished');
    await this.ledger.completeIfFinished(bulletinId);
  }

  /** Enqueues every queued delivery of a bulletin again, walking them by id. */
  async requeue(bulletinId: string): Promise<number> {
    let after = '0';
    let total = 0;
    for (;;) {
      const ids = await this.ledger.queuedAfter(bulletinId, after, FANOUT_BATCH);
      if (ids.length === 0) break;
      await this.queue.enqueueChunks(bulletinId, ids);
      total += ids.length;
      after = ids[ids.length - 1];
    }
    await this.ledger.completeIfFinished(bulletinId);
    return total;
  }
}
