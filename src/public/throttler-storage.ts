import type { ThrottlerStorage } from '@nestjs/throttler';

/** What `ThrottlerStorage.increment` answers (the interface's record type, not exported by the package root). */
type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

const SWEEP_INTERVAL_MS = 60_000;

/** The hits of one throttler on one key: expiry times in push order, live from `head` on. */
class Hits {
  private times: number[] = [];
  private head = 0;

  get count(): number {
    return this.times.length - this.head;
  }

  /** The earliest live expiry (the one that frees a slot first). */
  get first(): number {
    return this.times[this.head];
  }

  push(expiresAt: number): void {
    this.times.push(expiresAt);
  }

  /** Drops the expired hits. They were pushed in time order, so they are all at the front. */
  prune(now: number): void {
    while (this.head < this.times.length && this.times[this.head] <= now) this.head++;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }

  clear(): void {
    this.times = [];
    this.head = 0;
  }
}

interface Entry {
  hits: Map<string, Hits>;
  expiresAt: number;
  blockExpiresAt: number;
  isBlocked: boolean;
}

/**
 * The in-memory rate-limit storage of @nestjs/throttler with the same answers (a sliding log
 * of hits per key, blocking for `blockDuration` once over the limit), in O(1) per request. The
 * package's own storage filters the whole array of a key's live hits and spreads it into
 * `Math.min` on every request: with a high limit and many requests from one address (a mail
 * provider's one-click unsubscribes come from a few), that was 8% of the CPU of a public-page
 * request after 10 s of load, growing with the window. throttler-storage.spec.ts compares both.
 */
export class SlidingWindowThrottlerStorage implements ThrottlerStorage {
  private readonly entries = new Map<string, Entry>();
  private sweep?: NodeJS.Timeout;

  increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    this.ensureSweep();
    const now = Date.now();
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { hits: new Map(), expiresAt: now + ttl, blockExpiresAt: 0, isBlocked: false };
      this.entries.set(key, entry);
    }
    let hits = entry.hits.get(throttlerName);
    if (!hits) {
      hits = new Hits();
      entry.hits.set(throttlerName, hits);
    }
    hits.prune(now);
    let timeToExpire = Math.ceil((entry.expiresAt - now) / 1000);
    if (timeToExpire <= 0) {
      entry.expiresAt = now + ttl;
      timeToExpire = Math.ceil((entry.expiresAt - now) / 1000);
    }

    if (blockDuration <= 0) {
      const isBlocked = hits.count >= limit;
      if (!isBlocked) hits.push(now + ttl);
      const timeToBlockExpire = hits.count ? Math.ceil((hits.first - now) / 1000) : timeToExpire;
      return Promise.resolve({
        totalHits: hits.count + (isBlocked ? 1 : 0),
        timeToExpire,
        isBlocked,
        timeToBlockExpire: isBlocked ? timeToBlockExpire : 0,
      });
    }

    if (!entry.isBlocked) hits.push(now + ttl);
    if (hits.count > limit && !entry.isBlocked) {
      entry.isBlocked = true;
      entry.blockExpiresAt = now + blockDuration;
    }
    const timeToBlockExpire = Math.ceil((entry.blockExpiresAt - now) / 1000);
    if (timeToBlockExpire <= 0 && entry.isBlocked) {
      entry.isBlocked = false;
      hits.clear();
      hits.push(now + ttl);
    }
    return Promise.resolve({
      totalHits: hits.count,
      timeToExpire,
      isBlocked: entry.isBlocked,
      timeToBlockExpire,
    });
  }

  /** Forgets keys with nothing live, once a minute (as the package's storage does). */
  evictIdle(now = Date.now()): void {
    for (const [key, entry] of this.entries) {
      if (entry.isBlocked && entry.blockExpiresAt > now) continue;
      if (entry.expiresAt > now) continue;
      let live = false;
      for (const hits of entry.hits.values()) {
        hits.prune(now);
        if (hits.count) live = true;
      }
      if (!live) this.entries.delete(key);
    }
  }

  private ensureSweep(): void {
    if (this.sweep) return;
    this.sweep = setInterval(() => this.evictIdle(), SWEEP_INTERVAL_MS);
    this.sweep.unref();
  }
}
