import { isTransientDatabaseError } from '../database/transient-error';
import type { DeliveryOutcome } from './delivery-ledger';

/** Outcomes of one bulletin that wait for a statement before one is written anyway. */
export const WRITE_EVERY = 100;

/** When a chunk's outcomes could not be written, how it tries again. */
export interface RewritePolicy {
  /** Whether the failure may pass (the database away), so the same statement is worth trying again. */
  transient(error: unknown): boolean;
  /** Pause before the rewrite after `failures` failed ones. */
  delayMs(failures: number): number;
  /** Told of each failure that will be tried again. */
  onRetry?(error: unknown, failures: number): void;
}

/** 200 ms, 400 ms … then every 2 s: soon after the database is back, well before recovery takes claims back. */
export const DATABASE_REWRITE: RewritePolicy = {
  transient: isTransientDatabaseError,
  delayMs: (failures) => Math.min(2000, 100 * 2 ** failures),
};

/** Writes a bulletin's outcomes; answers the ids of the deliveries it settled (left the open statuses). */
export type RecordOutcomes = (
  bulletinId: string,
  outcomes: DeliveryOutcome[],
) => Promise<Set<string>>;

interface Waiting {
  outcome: DeliveryOutcome;
  chunk: ChunkOutcomes;
}

/**
 * Writes the outcomes of every chunk that this process is sending of a bulletin with shared
 * statements: one when WRITE_EVERY outcomes wait, and one whenever a chunk ends (it settles only
 * once its outcomes are in the ledger). The SEND_CONCURRENCY chunks that run at once would
 * otherwise each write every few messages. What a kill leaves unrecorded (the bound on re-sends,
 * since recovery re-queues those claims) is then held to WRITE_EVERY for the process, plus the
 * statement on its way, instead of a few per chunk times the chunks at once.
 *
 * A bulletin's statements run one after another. A statement that fails leaves its outcomes with
 * their chunks, which write them again when they end (`ChunkOutcomes.flush`), for as long as the
 * failure is transient. Those messages went out: dropping their outcomes would leave the claims
 * to recovery, which queues them again, and everyone in them would be mailed twice.
 */
export class OutcomeWriter {
  private readonly waiting = new Map<string, Waiting[]>();
  private readonly writing = new Map<string, Promise<void>>();

  constructor(
    /** @internal also for ChunkOutcomes, which writes again what a shared statement failed to */
    readonly record: RecordOutcomes,
    private readonly every = WRITE_EVERY,
    /** @internal also for ChunkOutcomes */
    readonly rewrite: RewritePolicy = DATABASE_REWRITE,
  ) {}

  /** A chunk's share of this writer. */
  chunk(bulletinId: string): ChunkOutcomes {
    return new ChunkOutcomes(this, bulletinId);
  }

  /** @internal for ChunkOutcomes */
  add(bulletinId: string, entry: Waiting): void {
    let waiting = this.waiting.get(bulletinId);
    if (!waiting) this.waiting.set(bulletinId, (waiting = []));
    waiting.push(entry);
    if (waiting.length >= this.every) void this.writeWaiting(bulletinId);
  }

  /** Writes what waits for the bulletin, after the statements before it; settles once all have run. */
  writeWaiting(bulletinId: string): Promise<void> {
    const batch = this.waiting.get(bulletinId) ?? [];
    this.waiting.delete(bulletinId);
    const previous = this.writing.get(bulletinId) ?? Promise.resolve();
    const done = previous.then(() => this.write(bulletinId, batch));
    this.writing.set(bulletinId, done);
    void done.then(() => {
      if (this.writing.get(bulletinId) === done) this.writing.delete(bulletinId);
    });
    return done;
  }

  private async write(bulletinId: string, batch: Waiting[]): Promise<void> {
    if (batch.length === 0) return;
    try {
      const settled = await this.record(
        bulletinId,
        batch.map((w) => w.outcome),
      );
      for (const { outcome, chunk } of batch) if (settled.has(outcome.id)) chunk.settled++;
    } catch {
      for (const { outcome, chunk } of batch) chunk.unwritten.push(outcome);
    }
  }
}

/** One chunk's outcomes: added as each message is answered, all in the ledger after `flush`. */
export class ChunkOutcomes {
  /** Deliveries of this chunk that the writes so far settled. */
  settled = 0;
  /** @internal outcomes whose shared statement failed */
  readonly unwritten: DeliveryOutcome[] = [];

  constructor(
    private readonly writer: OutcomeWriter,
    private readonly bulletinId: string,
  ) {}

  add(outcome: DeliveryOutcome): void {
    this.writer.add(this.bulletinId, { outcome, chunk: this });
  }

  /**
   * Everything added so far is in the ledger once this resolves. A transient failure is tried
   * again until the database answers (the chunk's heartbeat keeps its claims meanwhile); any
   * other rejects, and the job fails. Answers how many of the chunk's deliveries the writes settled.
   */
  async flush(): Promise<number> {
    await this.writer.writeWaiting(this.bulletinId);
    const { rewrite } = this.writer;
    for (let failures = 0; this.unwritten.length > 0; ) {
      const again = this.unwritten.splice(0);
      try {
        this.settled += (await this.writer.record(this.bulletinId, again)).size;
      } catch (error) {
        this.unwritten.push(...again);
        if (!rewrite.transient(error)) throw error;
        rewrite.onRetry?.(error, ++failures);
        await new Promise((resolve) => setTimeout(resolve, rewrite.delayMs(failures)));
      }
    }
    return this.settled;
  }
}
