/** Answers, of the given claimed deliveries, the ids of those that must not be sent after all, with the reason. */
export type FindUnsendable<T> = (pending: T[]) => Promise<Map<string, string>>;

/**
 * The claim checked that each subscriber of the chunk may be mailed; a chunk sent to a slow
 * server can take seconds after that. Once the chunk is `everyMs` older than its last look,
 * the next message to go first looks again, in one statement for all its messages not yet
 * handed to the server, so someone who unsubscribes (or is erased) mid-chunk gets nothing
 * handed over more than about `everyMs` later, and a worker that stalled long enough for
 * recovery to give its claims to another stops sending them. Messages already with the server
 * are not called back. A chunk done within `everyMs` (the usual case) never looks again.
 */
export class SendableRecheck<T extends { id: string }> {
  private checkedAt: number;
  private running: Promise<void> | null = null;
  private readonly unsendable = new Map<string, string>();

  constructor(
    private readonly find: FindUnsendable<T>,
    private readonly everyMs: number,
    private readonly onFailure: (error: unknown) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.checkedAt = now();
  }

  /**
   * Why the delivery `id` must not be sent after all, or null. `pending` lists it and every
   * delivery of the chunk not yet handed over, read only when a look is due.
   */
  async reasonToSkip(id: string, pending: () => T[]): Promise<string | null> {
    if (!this.running && this.now() - this.checkedAt >= this.everyMs) {
      this.running = this.look(pending()).finally(() => (this.running = null));
    }
    if (this.running) await this.running;
    return this.unsendable.get(id) ?? null;
  }

  private async look(pending: T[]): Promise<void> {
    try {
      for (const [id, reason] of await this.find(pending)) this.unsendable.set(id, reason);
    } catch (error) {
      // The database is away: nobody can unsubscribe meanwhile either. Go on with what the
      // claim and the last look found, and look again when the next one is due.
      this.onFailure(error);
    } finally {
      this.checkedAt = this.now();
    }
  }
}
