import { HttpStatus } from '@nestjs/common';
import type { JobsOptions, Queue } from 'bullmq';
import { AppException } from '../common/app-exception';

/** How long a registration waits for Redis before giving up with 503. */
export const ENQUEUE_TIMEOUT_MS = 2000;

export const queueUnavailable = () =>
  new AppException(
    HttpStatus.SERVICE_UNAVAILABLE,
    'queue_unavailable',
    'The message queue is unavailable; try again later',
  );

/**
 * Adds a job or throws 503 `queue_unavailable` within ENQUEUE_TIMEOUT_MS. Our connections use
 * `maxRetriesPerRequest: null` (BullMQ's rule), so with Redis down a plain `add` would wait
 * forever in ioredis' offline queue; callers run this inside their database transaction and
 * roll back on the error.
 */
export async function addOrFail(
  queue: Queue,
  name: string,
  data: object,
  opts: JobsOptions,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(queueUnavailable()), ENQUEUE_TIMEOUT_MS);
  });
  try {
    const client = await Promise.race([queue.client, timeout]);
    // Fail fast instead of queueing the command while ioredis reconnects.
    if (client.status !== 'ready') throw queueUnavailable();
    await Promise.race([queue.add(name, data, opts), timeout]);
  } catch (error) {
    if (error instanceof AppException) throw error;
    throw queueUnavailable();
  } finally {
    clearTimeout(timer);
  }
}
