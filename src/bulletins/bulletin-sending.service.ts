import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { conflict } from '../common/app-exception';
import { updateReturning } from '../delivery/delivery-ledger';
import { DeliveryQueueService } from '../delivery/delivery-queue.service';
import { Site } from '../sites/site.entity';
import { BulletinStatus } from './bulletin.entity';
import { BulletinsService } from './bulletins.service';
import { BulletinDto, RetryFailedResponseDto, SendBulletinDto } from './dto/bulletin.dto';

/**
 * The status machine after `draft`:
 *
 *   draft → scheduled → sending ⇄ paused → sent
 *                 ↘        ↘        ↘
 *                   cancelled (the rest of the deliveries become skipped)
 *
 * Every transition is one conditional UPDATE on the current status, so concurrent requests and
 * workers cannot both win; a refused transition is 409 with a code naming what was expected.
 */
@Injectable()
export class BulletinSendingService {
  private readonly logger = new Logger(BulletinSendingService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly bulletins: BulletinsService,
    private readonly queue: DeliveryQueueService,
  ) {}

  /** draft → sending (fan-out now) or scheduled (a delayed job starts it; recovery if Redis loses it). */
  async send(site: Site, id: string, dto: SendBulletinDto): Promise<BulletinDto> {
    const at = dto.at ? new Date(dto.at) : null;
    const delayMs = at ? at.getTime() - Date.now() : 0;
    const scheduled = delayMs > 1000;
    const changed = await this.transition(
      site,
      id,
      ['draft'],
      scheduled
        ? `status = 'scheduled', scheduled_at = $3, error = NULL`
        : `status = 'sending', scheduled_at = NULL, started_at = now(), error = NULL`,
      scheduled ? [at] : [],
    );
    if (!changed) await this.refuse(site, id, 'bulletin_not_draft', 'Only a draft bulletin can be sent');
    // Read before enqueueing: the answer shows the state this request created (a tiny audience
    // could otherwise already be `sent` by the time it is read).
    const answer = await this.bulletins.get(site, id);
    await this.kick(id, () => this.queue.enqueueFanout(id, scheduled ? delayMs : 0));
    return answer;
  }

  /** sending → paused: workers stop claiming its deliveries at once (the claim checks the status). */
  async pause(site: Site, id: string): Promise<BulletinDto> {
    if (!(await this.transition(site, id, ['sending'], `status = 'paused'`))) {
      await this.refuse(site, id, 'bulletin_not_sending', 'Only a sending bulletin can be paused');
    }
    return this.bulletins.get(site, id);
  }

  /** paused → sending: clears a system pause reason and re-enqueues what is still queued. */
  async resume(site: Site, id: string): Promise<BulletinDto> {
    if (!(await this.transition(site, id, ['paused'], `status = 'sending', error = NULL`))) {
      await this.refuse(site, id, 'bulletin_not_paused', 'Only a paused bulletin can be resumed');
    }
    const answer = await this.bulletins.get(site, id);
    await this.kick(id, async () => {
      await this.queue.enqueueFanout(id); // no-op unless the fan-out is unfinished
      await this.queue.enqueueRequeue(id);
    });
    return answer;
  }

  /** scheduled/sending/paused → cancelled; every delivery not yet claimed becomes skipped. */
  async cancel(site: Site, id: string): Promise<BulletinDto> {
    const cancelled = await this.db.transaction(async (tx) => {
      const rows = await updateReturning(
        tx,
        `UPDATE bulletins SET status = 'cancelled', finished_at = now(), updated_at = now()
         WHERE id = $1 AND site_id = $2 AND status IN ('scheduled','sending','paused') RETURNING id`,
        [id, site.id],
      );
      if (rows.length === 0) return false;
      await tx.query(
        `UPDATE deliveries SET status = 'skipped', error = 'bulletin cancelled', updated_at = now()
         WHERE bulletin_id = $1 AND status = 'queued'`,
        [id],
      );
      return true;
    });
    if (!cancelled) {
      await this.refuse(site, id, 'bulletin_not_cancellable', 'Only a scheduled, sending or paused bulletin can be cancelled');
    }
    return this.bulletins.get(site, id);
  }

  /**
   * Re-queues exactly the failed deliveries whose subscriber may still be mailed, each with a
   * fresh round of attempts. A `sent` bulletin goes back to `sending` until they are final.
   * Runs under the bulletin's row lock so the completion check cannot miss the re-queued rows.
   */
  async retryFailed(site: Site, id: string): Promise<RetryFailedResponseDto> {
    const result = await this.db.transaction(async (tx) => {
      const locked: { status: BulletinStatus }[] = await tx.query(
        `SELECT status FROM bulletins WHERE id = $1 AND site_id = $2 FOR UPDATE`,
        [id, site.id],
      );
      if (locked.length === 0) return null;
      const status = locked[0].status;
      if (!['sending', 'paused', 'sent'].includes(status)) return { status, requeued: -1 };
      const requeued = await updateReturning(
        tx,
        `UPDATE deliveries d SET status = 'queued', attempts = 0, error = NULL, retry_at = NULL, updated_at = now()
         FROM subscribers s
         WHERE d.bulletin_id = $1 AND d.status = 'failed' AND s.id = d.subscriber_id
           AND s.status = 'active' AND s.email IS NOT NULL AND s.erased_at IS NULL
         RETURNING d.id`,
        [id],
      );
      if (requeued.length > 0) {
        await tx.query(
          `UPDATE bulletins SET open_deliveries = open_deliveries + $2, updated_at = now(),
                  status = CASE WHEN status = 'sent' THEN 'sending' ELSE status END,
                  finished_at = CASE WHEN status = 'sent' THEN NULL ELSE finished_at END
           WHERE id = $1`,
          [id, requeued.length],
        );
      }
      return { status: status === 'sent' && requeued.length > 0 ? 'sending' : status, requeued: requeued.length };
    });
    if (result === null) await this.bulletins.find(site, id); // throws 404
    if (result!.requeued < 0) {
      throw conflict('bulletin_not_started', `A ${result!.status} bulletin has no failed deliveries to retry`);
    }
    if (result!.requeued > 0 && result!.status === 'sending') await this.kick(id, () => this.queue.enqueueRequeue(id));
    return { requeued: result!.requeued };
  }

  private async transition(
    site: Site,
    id: string,
    from: BulletinStatus[],
    set: string,
    extra: unknown[] = [],
  ): Promise<boolean> {
    const rows = await updateReturning(
      this.db,
      `UPDATE bulletins SET ${set}, updated_at = now() WHERE id = $1 AND site_id = $2 AND status = ANY($${3 + extra.length}::text[]) RETURNING id`,
      [id, site.id, ...extra, from],
    );
    return rows.length === 1;
  }

  private async refuse(site: Site, id: string, code: string, message: string): Promise<never> {
    const bulletin = await this.bulletins.find(site, id); // 404 first
    throw conflict(code, `${message} (it is ${bulletin.status})`);
  }

  /**
   * The status change is committed; if Redis refuses the job now, the periodic recovery starts
   * it from PostgreSQL, so the request still succeeds.
   */
  private async kick(id: string, enqueue: () => Promise<void>): Promise<void> {
    try {
      await enqueue();
    } catch (error) {
      this.logger.warn({ bulletinId: id, err: error }, 'Could not enqueue; recovery will pick the bulletin up');
    }
  }
}
