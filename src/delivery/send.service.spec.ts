import { Logger } from '@nestjs/common';
import { loadConfig } from '../config/config';
import { MetricsService } from '../health/metrics.service';
import { MailSendError, MailTransport, MailToSend } from '../mail/transport/mail-transport';
import { BulletinMailer, PreparedBulletin } from './bulletin-mailer';
import { ClaimedDelivery, DeliveryLedger, DeliveryOutcome } from './delivery-ledger';
import { DeliveryQueueService } from './delivery-queue.service';
import { WRITE_EVERY } from './outcome-writer';
import { retryDelay, SendService, THROTTLE_MS } from './send.service';

const claimed = (id: string, attempts = 1): ClaimedDelivery => ({
  id,
  messageId: `<${id}@example.test>`,
  attempts,
  subscriberId: `s${id}`,
  email: `u${id}@example.test`,
  name: null,
  locale: null,
  attributes: {},
});

function setup(rows: ClaimedDelivery[], answer: (to: string) => MailSendError | null, recordFailures = 0) {
  const recorded: DeliveryOutcome[] = [];
  const paused: string[] = [];
  const enqueued: { ids: string[]; delay: number }[] = [];
  const batches: number[] = [];
  const settled: number[] = [];
  const ledger = {
    claim: async (_id: string, ids: string[]) => ({ deliveries: rows.filter((row) => ids.includes(row.id)), skipped: 0 }),
    record: async (_id: string, outcomes: DeliveryOutcome[]) => {
      if (recordFailures-- > 0) throw new Error('connection terminated');
      batches.push(outcomes.length);
      recorded.push(...outcomes);
      return new Set(outcomes.filter((o) => o.status !== 'queued').map((o) => o.id));
    },
    settle: async (_id: string, count: number) => void settled.push(count),
    pauseWithError: async (_id: string, error: string) => void paused.push(error),
    completeIfFinished: async () => false,
    touch: async () => undefined,
  } as unknown as DeliveryLedger;
  const mailer = {
    prepare: async () => ({ messageIdDomain: 'example.test' }) as PreparedBulletin,
    composeForSending: (_p: PreparedBulletin, r: { email: string }) => ({ to: r.email }) as unknown as MailToSend,
  } as unknown as BulletinMailer;
  const transport = {
    send: async (mail: { to: string }) => {
      const error = answer(mail.to);
      if (error) throw error;
      return { messageId: 'x', response: '250 ok' };
    },
  } as unknown as MailTransport;
  const queue = {
    enqueueChunks: async (_b: string, ids: string[], delay: number) => void enqueued.push({ ids, delay }),
  } as unknown as DeliveryQueueService;
  const metrics = { messagesSent: { inc: () => undefined }, messagesFailed: { inc: () => undefined } } as unknown as MetricsService;
  const service = new SendService(ledger, mailer, transport, queue, metrics, loadConfig({ SEND_ATTEMPTS: '3' }));
  return { service, recorded, paused, enqueued, batches, settled };
}

const byId = (outcomes: DeliveryOutcome[]) => Object.fromEntries(outcomes.map((o) => [o.id, o]));

describe(SendService.name, () => {
  beforeAll(() => Logger.overrideLogger(false));
  it('records sent, retries 4xx with backoff, fails 5xx and temporary failures past SEND_ATTEMPTS', async () => {
    const { service, recorded, enqueued, settled } = setup([claimed('1'), claimed('2'), claimed('3'), claimed('4', 3)], (to) => {
      if (to === 'u2@example.test') return new MailSendError('temporary', '450 busy', 450);
      if (to === 'u3@example.test') return new MailSendError('permanent', '550 no such user', 550);
      if (to === 'u4@example.test') return new MailSendError('temporary', '450 busy', 450);
      return null;
    });
    const result = await service.processChunk('b', ['1', '2', '3', '4']);
    expect(result).toEqual({ claimed: 4, sent: 1, throttleMs: null });
    const o = byId(recorded);
    expect(o['1']).toMatchObject({ status: 'sent', error: null });
    expect(o['2']).toMatchObject({ status: 'queued', error: '450 busy', refundAttempt: false });
    expect(o['2'].retryDelayMs).toBeGreaterThanOrEqual(1000);
    expect(o['3']).toMatchObject({ status: 'failed', error: '550 no such user' });
    expect(o['4']).toMatchObject({ status: 'failed', error: '450 busy' });
    expect(enqueued).toEqual([{ ids: ['2'], delay: o['2'].retryDelayMs }]);
    // Three left the open statuses (1 sent, 3 and 4 failed); 2 is queued again.
    expect(settled).toEqual([3]);
  });

  it(`writes outcomes to the ledger ${WRITE_EVERY} at a time while the chunk is still sending`, async () => {
    const rows = Array.from({ length: WRITE_EVERY * 2 + 5 }, (_, i) => claimed(String(i + 1)));
    const { service, recorded, batches, settled } = setup(rows, () => null);
    await service.processChunk('b', rows.map((d) => d.id));
    expect(batches).toEqual([WRITE_EVERY, WRITE_EVERY, 5]);
    expect(new Set(recorded.map((o) => o.id)).size).toBe(rows.length);
    expect(settled).toEqual([rows.length]);
  });

  it('writes again at the end what a failed ledger write left out, so nothing stays unrecorded', async () => {
    const rows = Array.from({ length: WRITE_EVERY + 20 }, (_, i) => claimed(String(i + 1)));
    const { service, recorded, batches, settled } = setup(rows, () => null, 1);
    await service.processChunk('b', rows.map((d) => d.id));
    expect(batches).toEqual([20, WRITE_EVERY]);
    expect(new Set(recorded.map((o) => o.id)).size).toBe(rows.length);
    expect(settled).toEqual([rows.length]);
  });

  it('chunks of one bulletin sent at once share their statements, and each settles its own', async () => {
    const rows = Array.from({ length: 120 }, (_, i) => claimed(String(i + 1)));
    const ids = rows.map((d) => d.id);
    const { service, recorded, batches, settled } = setup(rows, () => null);
    await Promise.all([service.processChunk('b', ids.slice(0, 60)), service.processChunk('b', ids.slice(60))]);
    // Each chunk alone would have written at its end: two statements of 60. Together, one of
    // WRITE_EVERY while both were sending, and one of the rest when the first ended.
    expect(batches).toEqual([WRITE_EVERY, 120 - WRITE_EVERY]);
    expect(new Set(recorded.map((o) => o.id)).size).toBe(120);
    expect(settled).toEqual([60, 60]);
  });

  // Four messages of a chunk are on their way at once; the rest start only as those finish.
  const eight = () => ['1', '2', '3', '4', '5', '6', '7', '8'].map((id) => claimed(id));

  it('on 421 gives the rest of the chunk back without spending attempts and asks to throttle', async () => {
    let calls = 0;
    const { service, recorded } = setup(eight(), () => (++calls === 2 ? new MailSendError('temporary', '421 slow down', 421) : null));
    const result = await service.processChunk('b', eight().map((d) => d.id));
    expect(result.throttleMs).toBe(THROTTLE_MS);
    expect(calls).toBe(4);
    const o = byId(recorded);
    expect(['1', '3', '4'].map((id) => o[id].status)).toEqual(['sent', 'sent', 'sent']);
    for (const id of ['2', '5', '6', '7', '8']) expect(o[id]).toMatchObject({ status: 'queued', refundAttempt: true, retryDelayMs: 0 });
  });

  it('when the server cannot be reached, the rest of the chunk waits with the first without spending attempts', async () => {
    let calls = 0;
    const { service, recorded, enqueued } = setup(eight(), () => {
      calls++;
      return new MailSendError('temporary', 'connect ECONNREFUSED', null);
    });
    await service.processChunk('b', eight().map((d) => d.id));
    expect(calls).toBe(4);
    const o = byId(recorded);
    expect(o['1']).toMatchObject({ status: 'queued', refundAttempt: false });
    for (const id of ['2', '3', '4', '5', '8']) expect(o[id]).toMatchObject({ status: 'queued', refundAttempt: true, retryDelayMs: o['1'].retryDelayMs });
    expect(enqueued).toEqual([{ ids: eight().map((d) => d.id), delay: o['1'].retryDelayMs }]);
  });

  it('a 421 after the chunk found the server unreachable waits with the rest instead of throttling the queue', async () => {
    let calls = 0;
    const { service, recorded } = setup(eight(), () =>
      ++calls === 1 ? new MailSendError('temporary', 'Connection closed', null) : new MailSendError('temporary', '421 closing', 421),
    );
    const result = await service.processChunk('b', eight().map((d) => d.id));
    expect(result.throttleMs).toBeNull();
    const o = byId(recorded);
    expect(o['1']).toMatchObject({ status: 'queued', refundAttempt: false });
    for (const id of ['2', '3', '4', '8']) expect(o[id]).toMatchObject({ status: 'queued', refundAttempt: true, retryDelayMs: o['1'].retryDelayMs });
  });

  it('on an authentication failure pauses the bulletin and gives every claim back', async () => {
    const { service, recorded, paused } = setup([claimed('1'), claimed('2')], () => new MailSendError('auth', '535 bad credentials', 535));
    await service.processChunk('b', ['1', '2']);
    expect(paused).toEqual(['SMTP authentication or TLS failed: 535 bad credentials']);
    expect(recorded.map((o) => [o.status, o.refundAttempt])).toEqual([
      ['queued', true],
      ['queued', true],
    ]);
  });
});

describe('retryDelay', () => {
  it('doubles per attempt with jitter between half and all of the step, capped at 10 minutes', () => {
    expect(retryDelay(1, () => 0)).toBe(1000);
    expect(retryDelay(1, () => 1)).toBe(2000);
    expect(retryDelay(3, () => 1)).toBe(8000);
    expect(retryDelay(30, () => 1)).toBe(600_000);
  });
});
