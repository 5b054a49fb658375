import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { MetricsService } from '../health/metrics.service';
import { MailSendError, MailTransport } from '../mail/transport/mail-transport';
import { BulletinMailer, PreparedBulletin } from './bulletin-mailer';
import { Claim, ClaimedDelivery, ClaimRef, CompletionHint, DeliveryLedger, DeliveryOutcome } from './delivery-ledger';
import { DeliveryQueueService } from './delivery-queue.service';
import { BouncesService } from '../bounces/bounces.service';
import { DATABASE_REWRITE, OutcomeWriter, WRITE_EVERY } from './outcome-writer';
import { SendableRecheck } from './sendable-recheck';

/** Exponential backoff for temporary failures: 2 s, 4 s, 8 s … capped at 10 min, with jitter. */
const RETRY_BASE_MS = 2000;
const RETRY_MAX_MS = 10 * 60_000;
/** How long the whole send queue holds back after a 421/451 (the server asks us to slow down). */
export const THROTTLE_MS = 5000;
const THROTTLE_CODES = new Set([421, 451]);
/**
 * Messages of one chunk handed to the transport side by side. Several per chunk keep every
 * pooled connection with a message queued behind the one it is sending, which pipelining needs
 * to write the next envelope with the current body (SEND_CONCURRENCY chunks run at once).
 */
export const MESSAGES_IN_FLIGHT_PER_CHUNK = 4;
/** A chunk still sending this long after its claim (or last look) looks again who may be mailed. */
export const RECHECK_MS = 1000;

export interface ChunkResult {
  claimed: number;
  sent: number;
  /** Set when the server asked to slow down: the processor rate-limits the queue and retries the job. */
  throttleMs: number | null;
}

/** Full jitter between half and all of the exponential step, so retries of one chunk spread out. */
export function retryDelay(attempts: number, random = Math.random): number {
  const step = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(step * (0.5 + random() / 2));
}

/**
 * Sends one chunk of a bulletin's deliveries: claim (one statement), render and send each over
 * the pooled transport (a few at a time), record the outcomes (in statements shared with the
 * process's other chunks of the bulletin, see OutcomeWriter), then check for completion.
 *
 * - temporary (4xx, connection): back to queued with backoff until SEND_ATTEMPTS, then failed;
 *   when the server cannot be reached at all, the rest of the chunk waits with the first one;
 * - permanent (5xx): failed with the server's answer, never retried;
 * - 421/451: the server is throttling us; the rest of the chunk goes back unharmed (attempt
 *   refunded) and the whole queue pauses for a moment instead of burning attempts;
 * - authentication/TLS: no message can go out until the configuration is fixed, so the bulletin
 *   is paused with the reason in its `error` and the rest of the chunk goes back to queued.
 */
@Injectable()
export class SendService {
  private readonly logger = new Logger(SendService.name);
  private readonly outcomeWriter = new OutcomeWriter((bulletinId, outcomes) => this.ledger.record(bulletinId, outcomes), WRITE_EVERY, {
    ...DATABASE_REWRITE,
    onRetry: (error, failures) => {
      if (failures === 1 || failures % 30 === 0) this.logger.warn({ err: error, failures }, 'Outcomes of sent messages not written yet: trying again');
    },
  });

  constructor(
    private readonly ledger: DeliveryLedger,
    private readonly mailer: BulletinMailer,
    private readonly transport: MailTransport,
    private readonly queue: DeliveryQueueService,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    /** SMTP 5.1.x answers count as hard bounces (optional so unit tests can leave it out). */
    @Optional() private readonly bounces?: BouncesService,
  ) {}

  async processChunk(bulletinId: string, deliveryIds: string[]): Promise<ChunkResult> {
    const prepared = await this.mailer.prepare(bulletinId);
    if (!prepared) return { claimed: 0, sent: 0, throttleMs: null };
    const claim = await this.ledger.claim(bulletinId, deliveryIds, prepared.messageIdDomain);
    const heartbeat = this.heartbeat(claim.deliveries);
    try {
      return await this.sendClaimed(bulletinId, prepared, claim);
    } finally {
      clearInterval(heartbeat);
    }
  }

  /**
   * While a chunk is being sent, its claims are refreshed a few times per DELIVERY_STUCK_SECONDS,
   * so a slow but live worker (a slow SMTP server, a busy machine) is never mistaken for a dead one.
   */
  private heartbeat(claims: ClaimRef[]): NodeJS.Timeout {
    const every = Math.max(500, (this.config.deliveryStuckSeconds * 1000) / 4);
    const timer = setInterval(() => {
      this.ledger.touch(claims).catch((error: unknown) => this.logger.warn({ err: error }, 'Claim heartbeat failed'));
    }, every);
    timer.unref();
    return timer;
  }

  private async sendClaimed(bulletinId: string, prepared: PreparedBulletin, claim: Claim): Promise<ChunkResult> {
    const claimed = claim.deliveries;
    const state: ChunkState = { stopped: null, throttleMs: null, rejected: [] };
    const outcomes: DeliveryOutcome[] = new Array<DeliveryOutcome>(claimed.length);
    const recorder = this.outcomeWriter.chunk(bulletinId);
    const recheck = new SendableRecheck<ClaimedDelivery>((claims) => this.ledger.unsendable(claims), RECHECK_MS, (error) =>
      this.logger.warn({ err: error, bulletinId }, 'Could not look again who may be mailed; going on with the claim'),
    );
    let next = 0;
    const lane = async () => {
      for (let i = next++; i < claimed.length; i = next++) {
        const from = i;
        const left = await recheck.reasonToSkip(claimed[i].id, () => claimed.slice(from));
        outcomes[i] = left ? skip(claimed[i], left) : await this.sendOne(prepared, claimed[i], state);
        recorder.add(outcomes[i]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(MESSAGES_IN_FLIGHT_PER_CHUNK, claimed.length) }, lane));
    const settled = claim.skipped + (await recorder.flush());
    // One settle per chunk (skipped at claim, then recorded), straight after the records, so a
    // failure below (Redis, a bounce write) cannot leave the hint high.
    const hint = await this.ledger.settle(bulletinId, settled);
    for (const { subscriberId, response } of state.rejected) {
      await this.bounces?.recordSmtpRejection({ siteId: prepared.site.id, subscriberId, bulletinId, response });
    }
    await this.afterRecord(bulletinId, outcomes, state.stopped, hint);
    const sent = outcomes.filter((o) => o.status === 'sent').length;
    return { claimed: claimed.length, sent, throttleMs: state.throttleMs };
  }

  private async sendOne(prepared: PreparedBulletin, delivery: ClaimedDelivery, state: ChunkState): Promise<DeliveryOutcome> {
    if (state.stopped) return giveBack(delivery, null, state.stopped.retryDelayMs ?? 0);
    try {
      await this.transport.send(this.mailer.composeForSending(prepared, recipientOf(delivery), delivery.messageId));
      return outcome(delivery, 'sent', null);
    } catch (caught) {
      const error = MailSendError.from(caught);
      const reason = stopReason(error);
      // Messages already on their way when the chunk stopped share its fate; only an
      // authentication failure outranks an earlier stop (it must pause the bulletin).
      const stopped = state.stopped as Stop | null; // set by another lane meanwhile
      if (stopped && reason && (reason === stopped.reason || reason !== 'auth')) {
        return giveBack(delivery, error.message, stopped.retryDelayMs ?? 0);
      }
      if (reason === 'auth' || reason === 'throttle') {
        state.stopped = { reason, error };
        if (reason === 'throttle') state.throttleMs = THROTTLE_MS;
        return giveBack(delivery, error.message);
      }
      if (error.kind === 'temporary' && delivery.attempts < this.config.sendAttempts) {
        const retryDelayMs = retryDelay(delivery.attempts);
        // No server answer (refused, reset, timed out): the server is unreachable, not this
        // address. The rest of the chunk waits with it instead of spending an attempt each.
        if (reason === 'unreachable') state.stopped = { reason, error, retryDelayMs };
        return outcome(delivery, 'queued', error.message, retryDelayMs);
      }
      if (error.kind === 'permanent') state.rejected.push({ subscriberId: delivery.subscriberId, response: error.response ?? error.message });
      return outcome(delivery, 'failed', error.message);
    }
  }

  private async afterRecord(
    bulletinId: string,
    outcomes: DeliveryOutcome[],
    stopped: Stop | null,
    hint: CompletionHint | null,
  ): Promise<void> {
    const sent = outcomes.filter((o) => o.status === 'sent').length;
    const failed = outcomes.filter((o) => o.status === 'failed').length;
    if (sent) this.metrics.messagesSent.inc({ kind: 'bulletin' }, sent);
    if (failed) this.metrics.messagesFailed.inc({ kind: 'bulletin' }, failed);

    const retries = outcomes.filter((o) => o.status === 'queued' && o.retryDelayMs > 0);
    if (retries.length) {
      const delay = Math.max(...retries.map((o) => o.retryDelayMs));
      await this.queue.enqueueChunks(bulletinId, retries.map((o) => o.id), delay);
    }
    if (stopped?.reason === 'auth') {
      this.logger.error({ bulletinId, error: stopped.error.message }, 'SMTP authentication failed: bulletin paused');
      await this.ledger.pauseWithError(bulletinId, `SMTP authentication or TLS failed: ${stopped.error.message}`);
    }
    if (stopped?.reason === 'throttle') {
      this.logger.warn({ bulletinId, error: stopped.error.message }, 'SMTP server asks to slow down');
    }
    await this.ledger.completeIfFinished(bulletinId, { hint });
  }
}

/** What the messages of one chunk, sent side by side, tell each other. */
interface ChunkState {
  stopped: Stop | null;
  throttleMs: number | null;
  rejected: { subscriberId: string; response: string }[];
}

function stopReason(error: MailSendError): Stop['reason'] | null {
  if (error.kind === 'auth') return 'auth';
  if (error.kind !== 'temporary') return null;
  if (error.responseCode !== null && THROTTLE_CODES.has(error.responseCode)) return 'throttle';
  return error.responseCode === null ? 'unreachable' : null;
}

/** Why the rest of a chunk was not tried: it goes back to queued with its attempt refunded. */
interface Stop {
  reason: 'auth' | 'throttle' | 'unreachable';
  error: MailSendError;
  /** For `unreachable`: the rest retries together with the delivery that failed. */
  retryDelayMs?: number;
}

function outcome(
  delivery: ClaimedDelivery,
  status: DeliveryOutcome['status'],
  error: string | null,
  retryDelayMs = 0,
  refundAttempt = false,
): DeliveryOutcome {
  return { id: delivery.id, claimedAttempts: delivery.attempts, status, error, retryDelayMs, refundAttempt };
}

/**
 * Not sent: the subscriber left after the claim, and the attempt is given back as nothing was
 * tried; or the claim was lost to recovery, and the outcome matches nothing.
 */
function skip(delivery: ClaimedDelivery, reason: string): DeliveryOutcome {
  return outcome(delivery, 'skipped', reason, 0, true);
}

/** Back to queued, attempt refunded: the server never judged this message. */
function giveBack(delivery: ClaimedDelivery, error: string | null, retryDelayMs = 0): DeliveryOutcome {
  return outcome(delivery, 'queued', error, retryDelayMs, true);
}

function recipientOf(delivery: ClaimedDelivery) {
  return {
    subscriberId: delivery.subscriberId,
    email: delivery.email,
    name: delivery.name,
    locale: delivery.locale,
    attributes: delivery.attributes,
  };
}
